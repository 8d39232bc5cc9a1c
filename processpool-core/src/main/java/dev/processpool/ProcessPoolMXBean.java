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

    /** {@return the pool's name (see {@link PoolConfig.Builder#name(String)})} */
    String getName();

    /**
     * {@return the pool's run state: {@code RUNNING}, {@code STOPPED} (by {@link ProcessPool#stopProcessing}),
     * {@code SHUTTING_DOWN} or {@code TERMINATED}}
     */
    String getState();

    /** {@return as {@link ProcessPool#getMinSize()}} */
    int getMinSize();

    /** {@return as {@link ProcessPool#getMaxSize()}} */
    int getMaxSize();

    /** {@return the bound on waiting tasks; 0 or less means unbounded} */
    int getMaxQueuedRequests();

    /** {@return as {@link ProcessPool#getFreeSlots()}} */
    int getFreeSlots();

    /** {@return as {@link ProcessPool#getNumWorkingProcesses()}} */
    int getNumWorkingProcesses();

    /** {@return as {@link ProcessPool#getNumIdleProcesses()}} */
    int getNumIdleProcesses();

    /** {@return as {@link ProcessPool#getNumProcesses()}} */
    int getNumProcesses();

    /** {@return as {@link ProcessPool#getNumPendingTasks()}} */
    int getNumPendingTasks();

    /** {@return as {@link ProcessPool#isFull()}} */
    boolean isFull();

    /** {@return as {@link ProcessPool#isWorking()}} */
    boolean isWorking();

    /** {@return as {@link ProcessPool#isShutdown()}} */
    boolean isShutdown();

    /** {@return as {@link ProcessPool#isTerminated()}} */
    boolean isTerminated();

    /** {@return the pids of the worker processes alive now (-1 for one still being launched)} */
    long[] getWorkerPids();

    /**
     * Begins an orderly shutdown and returns at once: as {@link ProcessPool#close()} (queued and running
     * tasks get up to {@value dev.processpool.internal.Tuning#CLOSE_TIMEOUT_SECONDS} s, then are cancelled and the
     * workers killed), run by a thread of its own so that
     * the JMX client does not wait for it. Does nothing if the pool is shutting down already. The MBean is
     * unregistered when the shutdown completes.
     */
    void shutdown();
}
