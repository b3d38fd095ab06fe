/**
 * The CLI's Reporter: a live progress bar on a terminal, plain timestamped lines otherwise (logs, cron,
 * systemd). Everything goes to stderr, so stdout stays the command's result (and with --json, only JSON).
 */
import type { Reporter } from '../common/reporter';
import { redact } from '../common/redact';
import { formatBytes } from './format';

export class CliReporter implements Reporter {
  private step = '';
  private total?: number;
  private done = 0;
  private stepStart = 0;
  private lastDraw = 0;
  private barShown = false;
  readonly warnings: string[] = [];

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly tty = Boolean(process.stderr.isTTY),
    private readonly quiet = false,
  ) {}

  stepStarted(step: string, detail?: string, total?: number): void {
    this.step = step;
    this.total = total;
    this.done = 0;
    this.stepStart = Date.now();
    this.line(detail ? `${step}: ${detail}` : `${step}...`);
  }

  expectBytes(total: number): void {
    this.total = total > 0 ? total : undefined;
  }

  bytes(n: number): void {
    this.done += n;
    if (!this.tty || this.quiet) return;
    const now = Date.now();
    if (now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.drawBar();
  }

  info(line: string): void {
    this.line(line);
  }

  warn(line: string): void {
    this.warnings.push(redact(line));
    this.line(`warning: ${line}`, true);
  }

  stepFinished(step: string, ok: boolean): void {
    this.clearBar();
    if (this.done > 0 || !ok) {
      const seconds = (Date.now() - this.stepStart) / 1000;
      const rate = seconds > 0 ? `, ${formatBytes(this.done / seconds)}/s` : '';
      this.line(`${step}: ${ok ? 'done' : 'FAILED'}${this.done > 0 ? ` (${formatBytes(this.done)} in ${seconds.toFixed(1)} s${rate})` : ''}`);
    }
  }

  private drawBar(): void {
    const width = 30;
    const seconds = Math.max((Date.now() - this.stepStart) / 1000, 0.001);
    const rate = `${formatBytes(this.done / seconds)}/s`;
    let text: string;
    if (this.total) {
      // Estimates can be short: never claim 100% before the step says it is done.
      const fraction = Math.min(this.done / this.total, 0.99);
      const filled = Math.round(fraction * width);
      text = `${this.step} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(0)}% ${formatBytes(this.done)} / ${formatBytes(this.total)} ${rate}`;
    } else {
      text = `${this.step} ${formatBytes(this.done)} ${rate}`;
    }
    this.out.write(`\r\x1b[2K${text}`);
    this.barShown = true;
  }

  private clearBar(): void {
    if (this.barShown) this.out.write('\r\x1b[2K');
    this.barShown = false;
  }

  private line(text: string, always = false): void {
    if (this.quiet && !always) return;
    this.clearBar();
    const prefix = this.tty ? '' : `${new Date().toISOString()} `;
    this.out.write(`${prefix}${redact(text)}\n`);
  }
}
