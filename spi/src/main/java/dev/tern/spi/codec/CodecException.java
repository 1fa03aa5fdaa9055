package dev.tern.spi.codec;

/** Malformed encoded input. */
public class CodecException extends Exception {

    public CodecException(String message) {
        super(message);
    }
}
