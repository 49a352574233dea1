// @titan-connect/wa-emulator: a local WhatsApp Web edge. Built in issue 7.
export {};
