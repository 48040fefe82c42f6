// Readiness probe used by scripts/kafka.sh: waits until a metadata call answers.
// Run as a single-file source program: java -cp 'libs/*' Ready.java HOST:PORT TIMEOUT_S [PID]
// Exit 0 when describeCluster + listTopics answer, 1 on timeout, 2 when PID died.
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

public class Ready {
    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[1]));
        Long pid = args.length > 2 ? Long.valueOf(args[2]) : null;
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (pid != null && !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                System.err.println("broker process " + pid + " exited");
                System.exit(2);
            }
            try (Admin admin = Admin.create(p)) {
                String cluster = admin.describeCluster().clusterId().get(3, TimeUnit.SECONDS);
                int nodes = admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).size();
                int topics = admin.listTopics().names().get(3, TimeUnit.SECONDS).size();
                if (nodes > 0) {
                    System.out.println("ready: cluster " + cluster + ", " + nodes + " node(s), " + topics + " topic(s)");
                    System.exit(0);
                }
                last = "no nodes yet";
            } catch (Exception e) {
                last = e.toString();
            }
            Thread.sleep(500);
        }
        System.err.println("timed out waiting for " + bootstrap + ": " + last);
        System.exit(1);
    }
}
