import cliProgress from 'cli-progress'

/**
 * Progress on stderr: a cli-progress bar (bases done / total, windows/s, ETA) only when stderr is a
 * terminal and not --quiet, so logs and pipes stay clean.
 */
export class Progress {
  private bar: cliProgress.SingleBar | undefined
  private readonly t0 = Date.now()
  private windows = 0

  constructor(total: number, enabled: boolean, unit = 'bp', items = 'windows') {
    if (!enabled) return
    this.bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: `grover {bar} {percentage}% | {value}/{total} ${unit} | {windows} ${items} | {rate} ${items}/s | ETA {eta_formatted}`,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    )
    this.bar.start(total, 0, {windows: 0, rate: '0'})
  }

  update(bpDone: number, windows: number): void {
    this.windows = windows
    if (!this.bar) return
    const secs = (Date.now() - this.t0) / 1000
    this.bar.update(bpDone, {windows, rate: secs > 0 ? (windows / secs).toFixed(1) : '0'})
  }

  stop(): void {
    this.bar?.stop()
    this.bar = undefined
  }

  get seconds(): number {
    return (Date.now() - this.t0) / 1000
  }

  get rate(): number {
    return this.seconds > 0 ? this.windows / this.seconds : 0
  }
}
