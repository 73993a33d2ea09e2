/** Follows entry paths to tell the one top-level folder a build strips, as the unpacker decides it. */
export class TopFolderTracker {
  private top: string | null = null;
  private single = true;
  private inside = false;

  add(path: string, isDirectory: boolean): void {
    if (!this.single) return;
    const slash = path.indexOf('/');
    const first = slash === -1 ? path : path.slice(0, slash);
    if (this.top !== null && first !== this.top) this.single = false;
    this.top = first;
    if (slash === -1 && !isDirectory) this.single = false;
    if (slash !== -1) this.inside = true;
  }

  get folder(): string | null {
    return this.single && this.inside ? this.top : null;
  }
}
