package dev.processpool.hazelcast;

import java.util.List;

/**
 * Where a {@link ClusterPool} task ran: the member that ran its last attempt ({@code host:port}, or null if no
 * member ever took it), how many attempts it took, and what happened to the attempts that failed in a way the
 * task is retried for (a member left the cluster while holding the task, or its worker died, timed out or hung
 * on a member), oldest first.
 */
public record TaskPlacement(String member, int attempts, List<String> lostAttempts) {
}
