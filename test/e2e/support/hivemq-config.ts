// config.xml variants the e2e tests put on a node. Passwords must be in config.xml (HiveMQ has no
// other way to get them), so tests generate throwaway ones.

export interface TlsListener {
  address: string;
  port: number;
  keystorePath: string;
  keystorePassword: string;
  privateKeyPassword: string;
  truststorePath: string;
  truststorePassword: string;
  clientAuthenticationMode: 'NONE' | 'OPTIONAL' | 'REQUIRED';
}

const xmlText = (value: string) =>
  value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** The plain listener stays, so the sandbox's own readiness probe keeps working. */
export function tlsConfigXml(plainPort: number, tls: TlsListener): string {
  return `<?xml version="1.0"?>
<hivemq xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
        xsi:noNamespaceSchemaLocation="config.xsd">
    <listeners>
        <tcp-listener>
            <port>${plainPort}</port>
            <bind-address>${tls.address}</bind-address>
        </tcp-listener>
        <tls-tcp-listener>
            <port>${tls.port}</port>
            <bind-address>${tls.address}</bind-address>
            <tls>
                <keystore>
                    <path>${xmlText(tls.keystorePath)}</path>
                    <password>${xmlText(tls.keystorePassword)}</password>
                    <private-key-password>${xmlText(tls.privateKeyPassword)}</private-key-password>
                </keystore>
                <truststore>
                    <path>${xmlText(tls.truststorePath)}</path>
                    <password>${xmlText(tls.truststorePassword)}</password>
                </truststore>
                <client-authentication-mode>${tls.clientAuthenticationMode}</client-authentication-mode>
            </tls>
        </tls-tcp-listener>
    </listeners>
    <anonymous-usage-statistics>
        <enabled>false</enabled>
    </anonymous-usage-statistics>
</hivemq>
`;
}
