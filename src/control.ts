/**
 * Control characters, as one regular-expression class: C0 and C1 controls and DEL (a newline would
 * end a crontab line or a shell command, an escape rewrites the operator's terminal, and XML 1.0
 * cannot hold most of them), the Unicode line and paragraph separators, and the bidirectional
 * formatting controls (Unicode TR#9), which make text read differently in a message or a diff from
 * the bytes that get used. Written as escapes so inventory.schema.json carries the same pattern.
 */
export const CONTROL_CLASS = '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
