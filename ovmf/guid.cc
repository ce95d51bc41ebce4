// Filled by the OVMF reader.
