package dev.processpool.protocol;

import java.io.IOException;

/** The peer broke the protocol: a malformed, oversized or unexpected frame, or a failed handshake. */
public class ProtocolException extends IOException {

    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }
}
