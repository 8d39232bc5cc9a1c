package dev.processpool;

import dev.processpool.logging.Logs;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.regex.Pattern;

/** The {@link ProcessPoolMXBean} of one pool, and its registration on the platform MBean server. */
final class PoolMBean implements ProcessPoolMXBean {

    /** Names made of these characters go into the ObjectName as they are; any other is quoted. */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9._@#+%/-]+");

    private final ProcessPool pool;
    private final ObjectName objectName;

    private PoolMBean(ProcessPool pool, ObjectName objectName) {
        this.pool = pool;
        this.objectName = objectName;
    }

    /** The pool's ObjectName: {@code dev.processpool:type=ProcessPool,name=...}, the name quoted if need be. */
    static ObjectName objectName(String poolName) {
        String value = PLAIN.matcher(poolName).matches() ? poolName : ObjectName.quote(poolName);
        try {
            return new ObjectName("dev.processpool:type=ProcessPool,name=" + value);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("pool name " + poolName + " gives no valid ObjectName", e);
        }
    }

    /**
     * Registers the pool's MBean.
     *
     * @throws IllegalStateException if another MBean has that name (a pool of the same name)
     */
    static PoolMBean register(ProcessPool pool) {
        PoolMBean bean = new PoolMBean(pool, objectName(pool.getName()));
        try {
            server().registerMBean(bean, bean.objectName);
        } catch (InstanceAlreadyExistsException e) {
            throw new IllegalStateException("cannot register the MBean of pool " + pool.getName() + ": "
                    + bean.objectName + " is registered already (another pool of the same name?)", e);
        } catch (JMException e) {
            throw new IllegalStateException("cannot register the MBean " + bean.objectName + ": " + e, e);
        }
        return bean;
    }

    ObjectName objectName() {
        return objectName;
    }

    /** Unregisters the MBean if it is still registered. */
    void unregister() {
        try {
            server().unregisterMBean(objectName);
        } catch (InstanceNotFoundException alreadyGone) {
            // unregistered by someone else: fine
        } catch (JMException e) {
            throw new IllegalStateException("cannot unregister the MBean " + objectName + ": " + e, e);
        }
    }

    private static MBeanServer server() {
        return ManagementFactory.getPlatformMBeanServer();
    }

    @Override
    public String getName() {
        return pool.getName();
    }

    @Override
    public String getState() {
        return pool.runState().name();
    }

    @Override
    public int getMinSize() {
        return pool.getMinSize();
    }

    @Override
    public int getMaxSize() {
        return pool.getMaxSize();
    }

    @Override
    public int getMaxQueuedRequests() {
        return pool.getConfig().getMaxQueuedRequests();
    }

    @Override
    public int getFreeSlots() {
        return pool.getFreeSlots();
    }

    @Override
    public int getNumWorkingProcesses() {
        return pool.getNumWorkingProcesses();
    }

    @Override
    public int getNumIdleProcesses() {
        return pool.getNumIdleProcesses();
    }

    @Override
    public int getNumProcesses() {
        return pool.getNumProcesses();
    }

    @Override
    public int getNumPendingTasks() {
        return pool.getNumPendingTasks();
    }

    @Override
    public boolean isFull() {
        return pool.isFull();
    }

    @Override
    public boolean isWorking() {
        return pool.isWorking();
    }

    @Override
    public boolean isShutdown() {
        return pool.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return pool.isTerminated();
    }

    @Override
    public long[] getWorkerPids() {
        return pool.getWorkers().stream().mapToLong(WorkingProcess::pid).toArray();
    }

    @Override
    public void shutdown() {
        if (pool.isShutdown()) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                pool.close();
            } catch (Throwable e) {
                Logs.logger(ProcessPool.class.getName(), org.slf4j.event.Level.WARN)
                        .error("{}: the shutdown asked for over JMX failed", pool.getName(), e);
            }
        }, pool.getName() + "-jmx-shutdown");
        t.start();
    }
}
