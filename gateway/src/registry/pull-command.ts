/** What a user runs to pull an image: the reference as docker, podman and nerdctl take it. */
export function pullCommandOf(image: string): string {
  return `docker pull ${image}`;
}
