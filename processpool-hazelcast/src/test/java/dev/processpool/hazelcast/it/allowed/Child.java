package dev.processpool.hazelcast.it.allowed;

import dev.processpool.hazelcast.it.Touch;

/**
 * A class in an allowed package that inherits {@link Touch#touch} from one that is not: an input line may not
 * call the inherited method through it, on a member's worker either.
 */
public class Child extends Touch {
}
