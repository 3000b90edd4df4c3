// TEMPORARY placeholder for the PNG/JPEG decoding shims.
