package dev.idempotency.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on 127.0.0.1 in front of a server, that can hold the server's answers back: what
 * the client sends always reaches the server, which acts on it, while what the server sends waits
 * in the proxy until {@link #release()}. A client whose timeout passes meanwhile fails its call,
 * although the server applied it: an answer lost on the way, as a slow network loses it.
 *
 * <p>One thread per direction per connection; close the proxy to end them.
 */
public final class AnswerHoldingProxy implements AutoCloseable {

    private final String serverHost;
    private final int serverPort;
    private final ServerSocket listener;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Object gate = new Object();
    private boolean holding;
    private boolean answerHeld;
    private volatile boolean closed;

    public AnswerHoldingProxy(String serverHost, int serverPort) throws IOException {
        this.serverHost = serverHost;
        this.serverPort = serverPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon("proxy-accept", this::accept).start();
    }

    /** The port clients connect to instead of the server's. */
    public int port() {
        return listener.getLocalPort();
    }

    /** From now on, the server's answers wait in the proxy. */
    public void hold() {
        synchronized (gate) {
            holding = true;
            answerHeld = false;
        }
    }

    /**
     * Waits until the server has answered something since {@link #hold()}, so it has acted on
     * what it was sent.
     *
     * @return {@code false} when no answer arrived within {@code timeout}
     */
    public boolean awaitHeldAnswer(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (gate) {
            while (!answerHeld) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                gate.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    /** Lets every held answer, and all later ones, through. */
    public void release() {
        synchronized (gate) {
            holding = false;
            gate.notifyAll();
        }
    }

    @Override
    public void close() {
        closed = true;
        release();
        closeQuietly(listener);
        sockets.forEach(AnswerHoldingProxy::closeQuietly);
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(serverHost, serverPort);
                sockets.add(client);
                sockets.add(server);
                daemon("proxy-requests", () -> pump(client, server, false)).start();
                daemon("proxy-answers", () -> pump(server, client, true)).start();
            }
            catch (IOException ex) {
                // Closed, or the server refused: the client sees its connection fail.
            }
        }
    }

    private void pump(Socket from, Socket to, boolean answers) {
        byte[] buffer = new byte[8192];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int read;
            while ((read = in.read(buffer)) > 0) {
                if (answers) {
                    waitWhileHolding();
                }
                out.write(buffer, 0, read);
                out.flush();
            }
        }
        catch (IOException | InterruptedException ex) {
            // The connection or the proxy closed.
        }
        finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void waitWhileHolding() throws InterruptedException {
        synchronized (gate) {
            if (holding) {
                answerHeld = true;
                gate.notifyAll();
            }
            while (holding && !closed) {
                gate.wait();
            }
        }
    }

    private static Thread daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        }
        catch (Exception ex) {
            // Already closed.
        }
    }
}
