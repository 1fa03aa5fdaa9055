/** Page codecs compress guest pages on the wire (XBZRLE deltas, LZ4). */
package dev.tern.spi.codec;
