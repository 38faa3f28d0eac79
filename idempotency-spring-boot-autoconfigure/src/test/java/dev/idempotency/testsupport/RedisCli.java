package dev.idempotency.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code redis-cli} against a server this test started, for the commands a test setup needs. */
public final class RedisCli {

    private RedisCli() {
    }

    /** Runs {@code redis-cli -h host -p port arguments...}; its output. */
    public static String run(StoreProcess server, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("redis-cli", "-h", server.host(), "-p",
                Integer.toString(server.port())));
        command.addAll(List.of(arguments));
        Process cli = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = cli.getInputStream().readAllBytes();
        if (!cli.waitFor(30, TimeUnit.SECONDS) || cli.exitValue() != 0) {
            cli.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed: "
                    + new String(output, StandardCharsets.UTF_8));
        }
        return new String(output, StandardCharsets.UTF_8);
    }
}
