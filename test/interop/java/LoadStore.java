// Loads keystores the way HiveMQ does (KeyStore + KeyManagerFactory/TrustManagerFactory + SSLContext)
// and prints one parseable line per store. Passwords come from environment variables, never argv.
//
// usage: java LoadStore.java SPEC ...
//   SPEC = TYPE:PATH:STORE_PASS_ENV[:KEY_PASS_ENV]   load one store (KEY_PASS_ENV defaults to STORE_PASS_ENV)
//        | handshake,KEYSTORE_SPEC,TRUSTSTORE_SPEC   mutual TLS over loopback: server and client both present
//                                                    the keystore's key and verify the peer with the truststore
//   TYPE is JKS or PKCS12.
// output: OK path=P type=T size=N keys=alias/alg/chainLength,... trusted=alias,... kmf=ok|- tmf=N|- ssl=ok
//         HANDSHAKE path=handshake:P protocol=TLSv1.3 peer=CN=...,O=... clientSeenByServer=CN=... peerChain=N
//         FAIL path=[handshake:]P error=...   (exit status 1 if any spec failed)
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

public class LoadStore {
    public static void main(String[] args) {
        boolean failed = false;
        for (String spec : args) {
            boolean handshake = spec.startsWith("handshake,");
            String[] parts = (handshake ? spec.split(",")[1] : spec).split(":");
            String path = (handshake ? "handshake:" : "") + (parts.length > 1 ? parts[1] : spec);
            try {
                System.out.println(handshake ? handshake(spec.split(",")[1], spec.split(",")[2]) : load(spec).summary);
            } catch (Exception e) {
                failed = true;
                System.out.println("FAIL path=" + path + " error=" + e.toString().replace(' ', '_'));
            }
        }
        System.exit(failed ? 1 : 0);
    }

    static char[] env(String name) {
        String value = System.getenv(name);
        if (value == null) throw new IllegalArgumentException("environment variable " + name + " is not set");
        return value.toCharArray();
    }

    record Loaded(String summary, SSLContext context) {}

    static Loaded load(String spec) throws Exception {
        String[] parts = spec.split(":");
        return load(parts[0], parts[1], env(parts[2]), env(parts.length > 3 ? parts[3] : parts[2]));
    }

    static Loaded load(String type, String path, char[] storePass, char[] keyPass) throws Exception {
        KeyStore ks = KeyStore.getInstance(type);
        try (InputStream in = new FileInputStream(path)) {
            ks.load(in, storePass);
        }
        List<String> keys = new ArrayList<>();
        List<String> trusted = new ArrayList<>();
        for (String alias : Collections.list(ks.aliases())) {
            if (ks.isKeyEntry(alias)) {
                Key key = ks.getKey(alias, keyPass);
                Certificate[] chain = ks.getCertificateChain(alias);
                if (key == null || chain == null) throw new IllegalStateException("key entry " + alias + " is incomplete");
                // The key must belong to the leaf: otherwise TLS fails only at handshake time.
                java.security.PublicKey leafKey = chain[0].getPublicKey();
                if (!leafKey.getAlgorithm().equals(key.getAlgorithm())) throw new IllegalStateException("key/cert mismatch");
                for (int i = 0; i + 1 < chain.length; i++) chain[i].verify(chain[i + 1].getPublicKey());
                keys.add(alias + "/" + key.getAlgorithm() + "/" + chain.length);
            } else if (ks.isCertificateEntry(alias)) {
                trusted.add(alias);
            }
        }
        KeyManager[] kms = null;
        TrustManager[] tms = null;
        String kmf = "-";
        String tmf = "-";
        if (!keys.isEmpty()) {
            KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            f.init(ks, keyPass);
            kms = f.getKeyManagers();
            kmf = "ok";
        }
        if (!trusted.isEmpty()) {
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(ks);
            tms = f.getTrustManagers();
            tmf = String.valueOf(((X509TrustManager) tms[0]).getAcceptedIssuers().length);
        }
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kms, tms, null);
        ssl.createSSLEngine().getSupportedProtocols();
        return new Loaded("OK path=" + path + " type=" + ks.getType() + " size=" + ks.size()
            + " keys=" + String.join(",", keys) + " trusted=" + String.join(",", trusted)
            + " kmf=" + kmf + " tmf=" + tmf + " ssl=ok", ssl);
    }

    /** Both ends use an SSLContext built from the keystore's keys and the truststore's certificates. */
    static String handshake(String keystoreSpec, String truststoreSpec) throws Exception {
        String[] k = keystoreSpec.split(":");
        String[] t = truststoreSpec.split(":");
        KeyStore keys = KeyStore.getInstance(k[0]);
        try (InputStream in = new FileInputStream(k[1])) { keys.load(in, env(k[2])); }
        KeyStore trust = KeyStore.getInstance(t[0]);
        try (InputStream in = new FileInputStream(t[1])) { trust.load(in, env(t[2])); }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, env(k.length > 3 ? k[3] : k[2]));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);

        try (SSLServerSocket server = (SSLServerSocket) ctx.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            server.setNeedClientAuth(true); // HiveMQ's client-authentication-mode REQUIRED
            ExecutorService pool = Executors.newSingleThreadExecutor();
            Future<String> serverSide = pool.submit(() -> {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    s.startHandshake();
                    s.getOutputStream().write(s.getInputStream().read());
                    return s.getSession().getPeerPrincipal().getName();
                }
            });
            try (SSLSocket client = (SSLSocket) ctx.getSocketFactory()
                    .createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                client.setSoTimeout(10_000);
                client.startHandshake();
                client.getOutputStream().write(42);
                if (client.getInputStream().read() != 42) throw new IllegalStateException("echo failed");
                String clientSeen = serverSide.get(10, TimeUnit.SECONDS);
                return "HANDSHAKE path=handshake:" + k[1] + " protocol=" + client.getSession().getProtocol()
                    + " peer=" + client.getSession().getPeerPrincipal().getName().replace(' ', '_')
                    + " clientSeenByServer=" + clientSeen.replace(' ', '_')
                    + " peerChain=" + client.getSession().getPeerCertificates().length;
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
