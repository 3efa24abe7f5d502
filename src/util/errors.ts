/** The one error type layerwise throws: the message says where, what was expected, what came, and how to fix it. */
export class LayerwiseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LayerwiseError';
  }
}
