// Why a connection failed, in words a person can act on. Node's and OpenSSL's error codes are
// folded into a few classes, each with a hint.

export type FailureClass =
  | 'name-resolution'
  | 'unreachable'
  | 'timeout'
  | 'tls-unknown-ca'
  | 'tls-expired'
  | 'tls-name-mismatch'
  | 'tls-client-cert-refused'
  | 'tls-protocol-version'
  | 'tls-other'
  | 'mqtt-refused'
  | 'other';

export interface Classified {
  class: FailureClass;
  summary: string;
  hint: string;
}

export function classifyFailure(error: unknown): Classified {
  const e = error as { code?: string | number; message?: string };
  const code = String(e?.code ?? '');
  const message = String(e?.message ?? error);
  const text = `${code} ${message}`;
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) {
    return {
      class: 'name-resolution',
      summary: 'the name does not resolve',
      hint: 'check the node address in the inventory and DNS',
    };
  }
  if (/ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ECONNRESET before/.test(text)) {
    return {
      class: 'unreachable',
      summary: 'nothing accepts connections on the port',
      hint: 'is the broker running and the TLS listener configured on this address and port?',
    };
  }
  if (/ETIMEDOUT|timed? ?out|within \d+ ms/i.test(text)) {
    return {
      class: 'timeout',
      summary: 'no answer in time',
      hint: 'check firewalls between here and the node, and that the broker is not overloaded',
    };
  }
  if (/CERT_HAS_EXPIRED|certificate has expired/i.test(text)) {
    return {
      class: 'tls-expired',
      summary: 'the certificate has expired',
      hint: 'run deploy-tls rotate (or deploy) to issue a fresh certificate',
    };
  }
  if (/ALTNAME|Hostname\/IP does not match|does not cover/i.test(text)) {
    return {
      class: 'tls-name-mismatch',
      summary: 'the certificate does not cover the name',
      hint: "add the name to the node's sans and deploy again",
    };
  }
  if (
    /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED|UNABLE_TO_GET_ISSUER|unable to get local issuer|unknown ca|ALERT_UNKNOWN_CA/i.test(
      text,
    )
  ) {
    return {
      class: 'tls-unknown-ca',
      summary: 'the chain does not lead to the trusted CA',
      hint: 'the node serves a certificate from another CA: deploy again, or check ca.dir',
    };
  }
  if (
    /CERTIFICATE_REQUIRED|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|bad certificate|certificate unknown|certificate required|HANDSHAKE_FAILURE|alert number 4[026]|alert number 116/i.test(
      text,
    )
  ) {
    return {
      class: 'tls-client-cert-refused',
      summary: 'the broker refused the client certificate (or its absence)',
      hint: 'check client-authentication-mode and the truststore on the node',
    };
  }
  if (/PROTOCOL_VERSION|protocol version|UNSUPPORTED_PROTOCOL|no protocols available/i.test(text)) {
    return {
      class: 'tls-protocol-version',
      summary: 'the TLS version was refused',
      hint: 'check tls.protocols in the inventory',
    };
  }
  if (/ERR_SSL|ERR_TLS|SSL routines|alert/i.test(text)) {
    return {
      class: 'tls-other',
      summary: 'the TLS handshake failed',
      hint: 'see the message; openssl s_client -connect host:port shows the handshake',
    };
  }
  if (
    /Connection refused: |CONNACK|Not authorized|Bad username|reason code|closed before CONNACK/i.test(text)
  ) {
    return {
      class: 'mqtt-refused',
      summary: 'the broker refused the MQTT connection',
      hint: 'check the broker log for an authentication or authorization extension',
    };
  }
  return { class: 'other', summary: message, hint: 'rerun with DEPLOY_TLS_DEBUG=1' };
}
