package dev.processpool.cli;

/** A task's status in the output. */
enum Status {
    OK("ok"), ERROR("error"), TIMEOUT("timeout"), WORKER_DIED("worker-died"), CANCELLED("cancelled");

    final String label;

    Status(String label) {
        this.label = label;
    }
}
