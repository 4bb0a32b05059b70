// Redraws a block of text in place on a terminal (cursor up over the previous block), for the
// refreshing views of `weft dev` and `weft stat --watch`. On a non-terminal it prints plain blocks.
export class LiveView {
  private lastLines = 0;
  private readonly out: NodeJS.WriteStream;
  constructor(out: NodeJS.WriteStream) {
    this.out = out;
  }
  draw(text: string): void {
    if (this.out.isTTY) {
      // move the cursor up over the previous table and redraw in place
      if (this.lastLines > 0) this.out.write(`\x1b[${this.lastLines}A\x1b[0J`);
      this.lastLines = text.split('\n').length;
    }
    this.out.write(`${text}\n`);
  }
}
