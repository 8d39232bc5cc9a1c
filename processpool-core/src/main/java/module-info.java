/**
 * processpool-core: runs Java tasks in a pool of worker JVMs. Users import {@code dev.processpool} only; the
 * other packages are the pool's rooms, each exported only to the modules of this project that need it:
 * <ul>
 *   <li>{@code dev.processpool.logging}: the CLI builds its SLF4J provider on the pool's level logger;</li>
 *   <li>{@code dev.processpool.worker}: the CLI's worker main class starts the pool's, and its argument
 *       conversion is the worker's;</li>
 *   <li>{@code dev.processpool.protocol}: the bench measures the frames and codecs;</li>
 *   <li>{@code dev.processpool.internal} and {@code .logging}: the cluster backend (processpool-hazelcast) runs
 *       {@code ProcessTask}s through {@code TaskAccess} (claim, id, payload, outcome, callbacks) and logs
 *       through the pool's loggers.</li>
 * </ul>
 * On the module path, nothing else can import {@code dev.processpool.internal}, {@code .transport},
 * {@code .protocol}, {@code .worker} or {@code .logging}, nor reach into them by reflection. On the class path
 * (where this declaration is ignored, as it is for the worker JVMs, which run on a plain class path) every
 * package is visible, but only {@code dev.processpool} is an API: the others change without notice.
 */
@SuppressWarnings("module") // the qualified exports name modules that are not on the module path here
module dev.processpool {
    requires org.slf4j;
    // ProcessPool.registerMBean returns an ObjectName; the result decoder's CPU-time bound reads ThreadMXBean
    requires transitive java.management;

    exports dev.processpool;

    exports dev.processpool.logging to dev.processpool.cli, dev.processpool.hazelcast;
    exports dev.processpool.internal to dev.processpool.hazelcast;
    exports dev.processpool.worker to dev.processpool.cli;
    exports dev.processpool.protocol to dev.processpool.bench;
}
