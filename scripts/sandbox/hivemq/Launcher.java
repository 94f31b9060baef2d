package deploytls.sandbox;

import com.hivemq.embedded.EmbeddedHiveMQ;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs HiveMQ CE with /opt/hivemq as its home, like the distribution's bin/run.sh would.
 *
 * <p>Why not com.hivemq.HiveMQServer: without an authenticator extension (the distribution ships
 * an allow-all one) it refuses every client; the embedded builder allows all.
 *
 * <p>Paths come from -Dhivemq.home so the same class serves every node: each node's mount
 * namespace maps /opt/hivemq to its own folder.
 */
public final class Launcher {
  public static void main(String[] args) throws Exception {
    Path home = Path.of(System.getProperty("hivemq.home", "/opt/hivemq"));
    EmbeddedHiveMQ hivemq =
        EmbeddedHiveMQ.builder()
            .withConfigurationFolder(home.resolve("conf"))
            .withDataFolder(home.resolve("data"))
            .withExtensionsFolder(home.resolve("extensions"))
            .build();

    CountDownLatch stopped = new CountDownLatch(1);
    // hivemq-service stop sends SIGTERM: stop the broker cleanly so its data folder stays usable.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    hivemq.stop().get(20, TimeUnit.SECONDS);
                  } catch (Exception e) {
                    System.err.println("HiveMQ did not stop cleanly: " + e);
                  } finally {
                    stopped.countDown();
                  }
                },
                "sandbox-shutdown"));

    try {
      hivemq.start().join();
    } catch (Exception e) {
      // A broker that cannot start must not linger as a live PID that looks healthy.
      System.err.println("HiveMQ failed to start: " + e);
      e.printStackTrace();
      System.exit(1);
    }
    stopped.await();
  }
}
