// A stand-in for HiveMQ Enterprise's cluster transport TLS, as far as TLS goes: every node is a TLS
// server and a TLS client at once, with its keystore as key material, its truststore as trust, and
// client authentication required (the article's <cluster><transport><tcp><tls> with
// server-keystore and server-certificate-truststore). For every ordered pair of nodes it runs a
// handshake, server = one node, client = the other, and prints one line:
//
//   OK server=A client=B protocol=TLSv1.3 serverSawClient=CN=… clientSawServer=CN=…
//   REFUSED server=A client=B clientError=… serverError=…   (either may be "-")
//
// usage: java ClusterTls.java NODE ...
//   NODE = name,keystorePath,storePassEnv,keyPassEnv,truststorePath,trustPassEnv
// Passwords come from the named environment variables, never argv. Stores are opened as HiveMQ
// opens them: KeyStore "JKS", which on Java 9+ also reads PKCS#12 (keystore.type.compat).
// What this does not model: JGroups, discovery, and whether Enterprise checks host names (it runs
// without endpoint identification, so a certificate is judged by its chain and key usage only).
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

public class ClusterTls {
    record Node(String name, SSLContext context) {}

    public static void main(String[] args) throws Exception {
        List<Node> nodes = new ArrayList<>();
        for (String spec : args) nodes.add(load(spec.split(",")));
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            for (Node server : nodes)
                for (Node client : nodes)
                    if (server != client) System.out.println(handshake(server, client, pool));
        } finally {
            pool.shutdownNow();
        }
    }

    static char[] env(String name) {
        String value = System.getenv(name);
        if (value == null) throw new IllegalArgumentException("environment variable " + name + " is not set");
        return value.toCharArray();
    }

    static KeyStore open(String path, char[] password) throws Exception {
        KeyStore store = KeyStore.getInstance("JKS");
        try (InputStream in = new FileInputStream(path)) {
            store.load(in, password);
        }
        return store;
    }

    static Node load(String[] f) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(open(f[1], env(f[2])), env(f[3]));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(open(f[4], env(f[5])));
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return new Node(f[0], context);
    }

    static String handshake(Node server, Node client, ExecutorService pool) throws Exception {
        String pair = "server=" + server.name() + " client=" + client.name();
        try (SSLServerSocket listening = (SSLServerSocket) server.context().getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listening.setNeedClientAuth(true); // cluster peers must present their node certificate
            listening.setSoTimeout(10_000);
            Future<String> serverSide = pool.submit(() -> {
                try (SSLSocket s = (SSLSocket) listening.accept()) {
                    s.setSoTimeout(10_000);
                    s.startHandshake();
                    int b = s.getInputStream().read();
                    s.getOutputStream().write(b);
                    s.getOutputStream().flush();
                    return s.getSession().getPeerPrincipal().getName();
                }
            });
            String clientSaw;
            String protocol;
            try (SSLSocket s = (SSLSocket) client.context().getSocketFactory()
                    .createSocket(InetAddress.getLoopbackAddress(), listening.getLocalPort())) {
                s.setSoTimeout(10_000);
                s.startHandshake();
                // TLS 1.3 sends the server's verdict on the client certificate after the client's
                // Finished: only an exchange of application data shows it.
                s.getOutputStream().write(42);
                s.getOutputStream().flush();
                if (s.getInputStream().read() != 42) throw new IllegalStateException("no echo from the server");
                clientSaw = s.getSession().getPeerPrincipal().getName();
                protocol = s.getSession().getProtocol();
            } catch (Exception e) {
                String serverError = outcome(serverSide);
                return "REFUSED " + pair + " clientError=" + oneWord(e.toString())
                    + " serverError=" + oneWord(serverError == null ? "-" : serverError);
            }
            String serverSaw = serverSide.get(10, TimeUnit.SECONDS);
            return "OK " + pair + " protocol=" + protocol + " serverSawClient=" + oneWord(serverSaw)
                + " clientSawServer=" + oneWord(clientSaw);
        }
    }

    /** The server side's exception text, or null when it completed or gave up waiting. */
    static String outcome(Future<String> serverSide) {
        try {
            serverSide.get(10, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            return cause instanceof SocketTimeoutException ? null : String.valueOf(cause);
        } catch (Exception e) {
            return null;
        }
    }

    static String oneWord(String text) {
        return text.replace(' ', '_');
    }
}
