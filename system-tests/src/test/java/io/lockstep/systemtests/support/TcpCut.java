package io.lockstep.systemtests.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP path between one process and a server that a test can cut and restore, like a firewall rule: while cut, new
 * connections are refused (nothing listens) and open ones are reset. It forwards 127.0.0.1:{@link #port()} to the
 * server, so only the processes pointed at it lose the server; the rest of the suite keeps it. It can also
 * {@linkplain #holdAfter hold} the path after a number of bytes towards the server: a request stalls mid-body, as
 * over a link that stopped moving, at a point the test chose.
 */
public final class TcpCut implements AutoCloseable {

    private final int port;
    private final int target;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket listener;
    /** Bytes still forwarded towards the server before the path holds; {@link Long#MAX_VALUE} when not holding. */
    private long budget = Long.MAX_VALUE;

    public TcpCut(int target) throws IOException {
        this.target = target;
        try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            this.port = probe.getLocalPort();
        }
        restore();
    }

    public int port() {
        return port;
    }

    /**
     * Forwards at most {@code bytes} more towards the server (all connections together), then holds every byte
     * towards the server until {@link #release}, {@link #cut} or {@link #restore}: connections stay open, requests
     * stall.
     */
    public synchronized void holdAfter(long bytes) {
        budget = bytes;
    }

    /** Forwards everything again after {@link #holdAfter}. */
    public synchronized void release() {
        budget = Long.MAX_VALUE;
        notifyAll();
    }

    /** Waits until some of {@code wanted} bytes may go towards the server; returns how many. */
    private synchronized int take(int wanted) throws InterruptedException {
        while (budget == 0) {
            wait();
        }
        int n = (int) Math.min(wanted, budget);
        if (budget != Long.MAX_VALUE) {
            budget -= n;
        }
        return n;
    }

    /** Refuses new connections and resets the open ones. */
    public synchronized void cut() throws IOException {
        release();
        ServerSocket l = listener;
        listener = null;
        if (l != null) {
            l.close();
        }
        for (Socket s : open) {
            try {
                s.setSoLinger(true, 0); // close with a reset, as a broken path looks to the client
            } catch (IOException e) {
                // its pipe closed it meanwhile (the other side ended): nothing left to reset
            }
            closeQuietly(s);
        }
        open.clear();
    }

    /** Accepts and forwards connections again. */
    public synchronized void restore() throws IOException {
        release();
        if (listener != null) {
            return;
        }
        ServerSocket l = new ServerSocket();
        l.setReuseAddress(true);
        l.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        listener = l;
        Thread acceptor = new Thread(() -> accept(l), "tcp-cut-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void accept(ServerSocket l) {
        while (!l.isClosed()) {
            try {
                Socket client = l.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
                open.add(client);
                open.add(server);
                pipe(client, server, true);
                pipe(server, client, false);
            } catch (IOException e) {
                // closed by cut(), or the server refused: the client sees its connection end
            }
        }
    }

    private void pipe(Socket from, Socket to, boolean towardsServer) {
        Thread t = new Thread(
                () -> {
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        byte[] buffer = new byte[16 * 1024];
                        int n;
                        while ((n = in.read(buffer)) >= 0) {
                            int sent = 0;
                            while (sent < n) {
                                int allowed = towardsServer ? take(n - sent) : n - sent;
                                out.write(buffer, sent, allowed);
                                sent += allowed;
                            }
                            out.flush();
                        }
                    } catch (IOException e) {
                        // a reset or a cut
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        closeQuietly(from);
                        closeQuietly(to);
                        open.remove(from);
                        open.remove(to);
                    }
                },
                "tcp-cut-pipe");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        cut();
    }
}
