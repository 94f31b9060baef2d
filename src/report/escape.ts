// Text into HTML: every value in the report (node names, subjects, error messages) comes from an
// inventory, a node or a certificate and may hold markup. Escaped in text and in quoted attributes alike.
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}
