package dev.processpool.hazelcast;

import java.util.List;

/**
 * Where a {@link ClusterPool} task ran: the member that ran its last attempt ({@code host:port}, or null if no
 * member ever took it), how many attempts it took, and what happened to the earlier ones (a member left the
 * cluster while holding the task).
 */
public record TaskPlacement(String member, int attempts, List<String> lostAttempts) {
}
