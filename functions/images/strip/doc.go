// Package strip removes metadata from JPEG, PNG and WebP files without
// touching their pixels.
//
// The image is never decoded. Each container is parsed (JPEG markers, PNG
// chunks, RIFF chunks) and the structures a decoder needs are copied byte
// for byte; everything else is dropped. The output is therefore never
// larger than the input, decodes to exactly the same pixels, and stripping
// twice gives the same bytes as stripping once. All three walkers keep an
// allow-list rather than a deny-list: a segment or chunk this package does
// not know is treated as possible metadata and dropped, unless dropping it
// would break decoding (then the file is malformed).
//
// What is kept, per format:
//
//   - JPEG: SOI, SOFn, DHT, DQT, DRI, DAC, DNL and the other table markers,
//     SOS with its entropy-coded data and RSTn markers, EOI; APP0 JFIF
//     without its thumbnail; APP14 Adobe (colour transform); APP2
//     ICC_PROFILE when Options.KeepICC. Dropped: APP1 Exif and XMP
//     (extended XMP too), APP13 Photoshop/IPTC, all other APPn, COM, fill
//     bytes, anything after EOI.
//   - PNG: IHDR, PLTE, IDAT, IEND, tRNS, cHRM, gAMA, sBIT, sRGB, cICP,
//     mDCV, cLLI, bKGD, hIST, pHYs, the APNG chunks acTL, fcTL and fdAT;
//     iCCP when Options.KeepICC. Dropped: eXIf, tEXt, zTXt, iTXt, tIME,
//     sPLT and every other ancillary chunk, anything after IEND. Every CRC
//     is verified.
//   - WebP: VP8, VP8L, ALPH, ANIM, ANMF (inside a frame only ALPH, VP8 and
//     VP8L), VP8X (EXIF and XMP flags cleared, ICC flag cleared when no
//     profile is kept), ICCP when Options.KeepICC. Dropped: EXIF, "XMP "
//     and unknown chunks, anything after the RIFF payload. The RIFF and
//     ANMF sizes are rewritten.
//
// ICC profiles are kept by default because a profile describes colours, not
// the photographer: dropping it makes wide-gamut pictures render dull.
//
// Hostile input: every declared length is checked against the bytes that
// are actually there before it is used, loops advance by at least one
// header per iteration, and the only allocation is the output buffer
// (len(input) bytes, or none with StripInPlace and EXIF).
package strip
