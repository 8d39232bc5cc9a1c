package dev.processpool;

/**
 * The JMX view of one {@link ProcessPool}, registered on the platform MBean server by
 * {@link ProcessPool#registerMBean()} under {@code dev.processpool:type=ProcessPool,name=<the pool's name>}
 * and unregistered when the pool shuts down. Every attribute is read live from the pool; they are the pool's
 * getters of the same names.
 *
 * <p>Read it from JConsole or VisualVM (MBeans tab), from {@code jcmd}-enabled tools, or in code:
 *
 * <pre>{@code
 * ObjectName name = pool.registerMBean();
 * ProcessPoolMXBean view = JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(), name,
 *         ProcessPoolMXBean.class);
 * int waiting = view.getNumPendingTasks();
 * }</pre>
 */
public interface ProcessPoolMXBean {

    /** The pool's name (see {@link PoolConfig.Builder#name(String)}). */
    String getName();

    /**
     * The pool's run state: {@code RUNNING}, {@code STOPPED} (by {@link ProcessPool#stopProcessing}),
     * {@code SHUTTING_DOWN} or {@code TERMINATED}.
     */
    String getState();

    /** @see ProcessPool#getMinSize() */
    int getMinSize();

    /** @see ProcessPool#getMaxSize() */
    int getMaxSize();

    /** The bound on waiting tasks; 0 or less means unbounded. */
    int getMaxQueuedRequests();

    /** @see ProcessPool#getFreeSlots() */
    int getFreeSlots();

    /** @see ProcessPool#getNumWorkingProcesses() */
    int getNumWorkingProcesses();

    /** @see ProcessPool#getNumIdleProcesses() */
    int getNumIdleProcesses();

    /** @see ProcessPool#getNumProcesses() */
    int getNumProcesses();

    /** @see ProcessPool#getNumPendingTasks() */
    int getNumPendingTasks();

    /** @see ProcessPool#isFull() */
    boolean isFull();

    /** @see ProcessPool#isWorking() */
    boolean isWorking();

    /** @see ProcessPool#isShutdown() */
    boolean isShutdown();

    /** @see ProcessPool#isTerminated() */
    boolean isTerminated();

    /** The pids of the worker processes alive now (-1 for one still being launched). */
    long[] getWorkerPids();

    /**
     * Begins an orderly shutdown and returns at once: as {@link ProcessPool#close()} (queued and running
     * tasks get up to 60 s, then are cancelled and the workers killed), run by a thread of its own so that
     * the JMX client does not wait for it. Does nothing if the pool is shutting down already. The MBean is
     * unregistered when the shutdown completes.
     */
    void shutdown();
}
