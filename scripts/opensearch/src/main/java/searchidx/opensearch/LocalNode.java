package searchidx.opensearch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.transport.Netty4Plugin;

/**
 * One OpenSearch node in this JVM, as OpenSearch's own test framework starts nodes (its
 * MockNode): a {@link Node} built from an {@link Environment} with the modules it needs given
 * as classpath plugins, instead of the distribution's bootstrap (no plugin folder, no security
 * manager, no bootstrap checks, no native calls).
 *
 * <p>Usage: {@code LocalNode HOME}, where {@code HOME/config/opensearch.yml} holds the node's
 * settings (written by scripts/opensearch-cluster.sh). The node closes cleanly on SIGTERM.
 */
public final class LocalNode {

    /** The modules a distribution would load from its modules/ folder: real HTTP and transport
     * (netty4) and the analysis chain searchidx's index template uses (analysis-common). */
    private static final List<Class<? extends org.opensearch.plugins.Plugin>> MODULES =
        List.of(Netty4Plugin.class, CommonAnalysisPlugin.class);

    private static final class ClasspathNode extends Node {
        ClasspathNode(Environment environment) {
            super(environment, MODULES, true);
        }
    }

    private LocalNode() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: LocalNode HOME (HOME/config/opensearch.yml holds the settings)");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        Path config = home.resolve("config");
        if (!Files.isRegularFile(config.resolve("opensearch.yml"))) {
            System.err.println("LocalNode: no " + config.resolve("opensearch.yml"));
            System.exit(2);
        }
        Settings initial = Settings.builder().put(Environment.PATH_HOME_SETTING.getKey(), home.toString()).build();
        Environment environment = InternalSettingsPreparer.prepareEnvironment(
            initial, Map.of(), config, () -> home.getFileName().toString());
        Node node = new ClasspathNode(environment);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> close(node, closed), "searchidx-node-close"));
        try {
            node.start();
        } catch (Exception e) {
            System.err.println("LocalNode: the node did not start: " + e);
            e.printStackTrace();
            System.exit(1);
        }
        // the node's threads do the work; this thread only keeps the JVM up until SIGTERM
        closed.await();
    }

    private static void close(Node node, CountDownLatch closed) {
        try {
            node.close();
            if (!node.awaitClose(20, TimeUnit.SECONDS)) {
                System.err.println("LocalNode: the node did not close within 20 s");
            }
        } catch (Exception e) {
            System.err.println("LocalNode: closing the node failed: " + e);
        } finally {
            closed.countDown();
        }
    }
}
