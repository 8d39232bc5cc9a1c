package dev.processpool.cli;

/**
 * Ctrl-C handling. The JVM's own SIGINT handler would start the shutdown at once; the CLI needs to count
 * presses instead (once: stop gracefully; twice: kill now). There is no supported API for that, so this uses
 * {@code sun.misc.Signal} (module jdk.unsupported), through reflection so that a JVM without it (or one
 * started with {@code -Xrs}) still runs the CLI, only with the JVM's default handling.
 */
final class Signals {

    private Signals() {
    }

    /** Runs {@code handler} on each SIGINT, in a thread of its own. Returns false if that cannot be done. */
    static boolean onInterrupt(Runnable handler) {
        return on("INT", handler);
    }

    /** Runs {@code handler} on each SIGTERM instead of the JVM's shutdown. Returns false if that cannot be done. */
    static boolean onTerminate(Runnable handler) {
        return on("TERM", handler);
    }

    private static boolean on(String name, Runnable handler) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance(name);
            Object proxy = java.lang.reflect.Proxy.newProxyInstance(Signals.class.getClassLoader(),
                    new Class<?>[] {handlerClass}, (p, method, args) -> {
                        if (method.getName().equals("handle")) {
                            handler.run();
                            return null;
                        }
                        if (method.getName().equals("toString")) {
                            return "processpool SIG" + name + " handler";
                        }
                        if (method.getName().equals("hashCode")) {
                            return System.identityHashCode(p);
                        }
                        if (method.getName().equals("equals")) {
                            return p == args[0];
                        }
                        return null;
                    });
            signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, proxy);
            return true;
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return false;
        }
    }
}
