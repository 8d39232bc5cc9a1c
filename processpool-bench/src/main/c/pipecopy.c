/* Raw pipe copy baseline for processpool's bench (workload 5): copies COUNT blocks of MIB MiB from this
 * process to a forked child through a pipe(2), one way, and prints the seconds from the first write until
 * the child has read everything and exited. No framing, no serialisation: the ceiling for moving bytes
 * between two processes on this machine.  Usage: pipecopy COUNT MIB */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    long count = argc > 1 ? atol(argv[1]) : 500;
    long size = (argc > 2 ? atol(argv[2]) : 1) * 1024 * 1024;
    int fd[2];
    if (pipe(fd) != 0) { perror("pipe"); return 1; }
    char *buf = malloc(size);
    if (!buf) { perror("malloc"); return 1; }
    memset(buf, 7, size);
    pid_t child = fork();
    if (child < 0) { perror("fork"); return 1; }
    if (child == 0) {
        close(fd[1]);
        long total = 0;
        ssize_t n;
        while ((n = read(fd[0], buf, size)) > 0) total += n;
        _exit(total == count * size ? 0 : 2);
    }
    close(fd[0]);
    double t0 = now();
    for (long i = 0; i < count; i++) {
        for (long off = 0; off < size;) {
            ssize_t n = write(fd[1], buf + off, size - off);
            if (n < 0) { perror("write"); return 1; }
            off += n;
        }
    }
    close(fd[1]);
    int status;
    waitpid(child, &status, 0);
    double dt = now() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { fprintf(stderr, "reader failed\n"); return 1; }
    printf("%.6f\n", dt);
    return 0;
}
