import {Args, Command, Flags} from '@oclif/core'

import type {Device} from '../model/device.js'
import {runCommand} from '../cli.js'
import {modelFlag, numberFlag, runFlags, showProgress} from '../flags.js'
import {BigWigOutput} from '../io/bigwig.js'
import {Sink} from '../io/output.js'
import {runIdentity} from '../io/runstate.js'
import {parseShard} from '../pipeline/windows.js'
import {FORMATS, type Format} from '../io/records.js'
import {type ScanMode, type StrandMode, predict, summaryLine} from '../pipeline/predict.js'

export default class Predict extends Command {
  static override summary = 'Scan a genome with a classifier model and write scored windows as BED, bedGraph, TSV or bigWig.'

  static override description = `Tiles each region of the FASTA into windows (--window bp every --stride bp; the last window of a
sequence ends at its end, and a sequence shorter than a window is scored whole), scores both strands
with the model and writes one record per window: by default BED of the predicted sites (windows
whose probability is at least the model's threshold), 0-based half-open, in FASTA-index order. The
default model, ctcf (a one-hot CNN), ships JASPAR MA0139.1: its BED is BED8, thickStart/thickEnd =
the best motif site inside each window (p < --motif-pvalue) and strand = that site's orientation; an
empty thick span (thickStart = thickEnd = start) where there is none. --merge joins overlapping
windows into one record per site; --no-motif gives BED6; --motifs FILE uses other motifs (also in TSV).

One-hot CNNs with scan graphs (ctcf) are scanned fully convolutionally: the convolutions run once per
~64-kb chunk and strand and every window is pooled out of them, so a small --stride costs little
(--scan windows runs the model on each window; the same scores within 1e-5). Score bundles (DeepBind,
scripts/export/export_deepbind.py) report the model's raw score, the larger strand, with 6 significant digits.

Input: plain FASTA (a missing .fai is built next to it, as samtools faidx does) or bgzip FASTA with
.fai and .gzi. Soft-masked bases are upper-cased; windows mostly made of N are skipped and counted.
Region strings are 1-based inclusive like samtools (chr1:1001-2000); BED files are 0-based.
Progress goes to stderr (only on a terminal); data goes to stdout or -o FILE.

Tracks: --format bigwig -o scores.bw writes the per-base mean score of the windows covering each
base (with stride = window, the windows' own scores) as a bigWig with zoom levels, for IGV or UCSC.
--signal chip.bw adds the mean and max of a bigWig signal over each record (BED/TSV columns
signal_mean, signal_max; over the bases the bigWig has data for; "."/NA where it has none).
--restrict-to atac.bw --min-signal X scans only where that signal is at least X (stretches merged
and padded by half a window). bigWig chromosome names are checked against the FASTA up front; map
differing names (chr1 vs 1) with --chrom-alias FILE (lines: FASTA-name TAB bigWig-name).

Profile models (task "profile" in grover.json: Enformer/Basenji-style, many bins × tracks per
window): windows of the model's input length every --stride bp (default: the length its output bins
span, so outputs tile the region; a smaller stride keeps each window's central bins). The reverse
strand's bins are flipped back and averaged in (--strand both). Writes bedGraph or bigWig of one track
(--track NAME or --track-index N, 0-based) or TSV with a column per track. The first and last
(window − span)/2 bp of each region get no value: the model needs that context.`

  static override examples = [
    {description: 'Predicted CTCF sites on the bundled 1 Mb of human chr22 (BED8: each window with its CTCF motif site)', command: '<%= config.bin %> <%= command.id %> data/chr22_20M.fa > sites.bed'},
    {description: 'One record per site, with its best motif site and orientation', command: '<%= config.bin %> <%= command.id %> data/chr22_20M.fa --merge > ctcf_peaks.bed'},
    {description: 'Every window\'s score with the motif columns', command: '<%= config.bin %> <%= command.id %> data/chr22_20M.fa --threshold 0 -f tsv --motifs data/MA0139.1.jaspar > scores.tsv'},
    {description: 'A DeepBind model exported by scripts/export/export_deepbind.py: raw scores as a track', command: '<%= config.bin %> <%= command.id %> genome.fa --model models/deepbind-ctcf -f bedgraph > deepbind.bedGraph'},
    {description: 'One region, merged into peaks with bedtools', command: '<%= config.bin %> <%= command.id %> genome.fa --model ctcf --region chr21:33000001-34000000 | bedtools merge -i - -d 100'},
    {description: 'Every window as a bedGraph track', command: '<%= config.bin %> <%= command.id %> genome.fa --format bedgraph --stride 1000 -o ctcf.bedGraph'},
    {description: 'All scores with per-strand columns, regions from a BED file', command: '<%= config.bin %> <%= command.id %> genome.fa --regions peaks.bed --format tsv --threshold 0'},
    {description: 'A bigWig track for IGV', command: '<%= config.bin %> <%= command.id %> genome.fa --format bigwig -o ctcf.bw'},
    {description: 'One track of a profile model as a bigWig', command: '<%= config.bin %> <%= command.id %> genome.fa --model my-enformer --track-index 0 --format bigwig -o dnase.bw'},
    {description: 'Predicted sites with the ChIP-seq signal under each, scanning only open chromatin', command: '<%= config.bin %> <%= command.id %> genome.fa --signal chip.bw --restrict-to atac.bw --min-signal 2'},
  ]

  static override args = {
    fasta: Args.string({description: 'genome FASTA (plain or bgzip; indexed, or plain and indexable)', required: true}),
  }

  static override flags = {
    ...runFlags,
    model: modelFlag('ctcf', 'model bundle: a shipped name (ctcf) or a bundle folder'),
    region: Flags.string({char: 'r', description: 'region to scan, 1-based inclusive: chr, chr:start-end, {name:with:colons}:start-end (repeatable)', multiple: true}),
    regions: Flags.string({description: 'BED file of regions to scan (0-based)'}),
    window: Flags.integer({char: 'w', description: 'window length in bp [default: the model\'s]'}),
    stride: Flags.integer({char: 's', description: 'distance between window starts in bp, at most --window [default: the model\'s]'}),
    strand: Flags.string({description: 'strands to score: both (mean of the two; BED strand = the higher), + or -', options: ['both', '+', '-'], default: 'both'}),
    format: Flags.string({char: 'f', description: 'output format', options: FORMATS, default: 'bed'}),
    threshold: Flags.string({char: 't', description: 'keep windows scoring at least P [default: the model\'s threshold for bed, 0 (all) for bedgraph/tsv]'}),
    merge: Flags.boolean({description: 'join overlapping or touching kept windows into one record with the maximum score', default: false}),
    'batch-size': Flags.integer({char: 'b', description: 'at most this many windows per model call (also the unit --shard and --resume keep whole)', default: 16}),
    'batch-tokens': Flags.integer({description: 'at most this many padded tokens (rows × longest row, both strands) per model call', default: 16384}),
    'max-n': Flags.string({description: 'skip windows with more than this fraction of N bases', default: '0.5'}),
    signal: Flags.string({description: 'bigWig whose mean and max over each record are added as columns signal_mean, signal_max (bed, tsv)'}),
    'restrict-to': Flags.string({description: 'bigWig: scan only stretches where it is at least --min-signal (padded by half a window)'}),
    'min-signal': Flags.string({description: 'signal level for --restrict-to'}),
    'chrom-alias': Flags.string({description: 'file mapping FASTA chromosome names to bigWig names: FASTA-name TAB bigWig-name per line'}),
    shard: Flags.string({description: 'do only part i of n of the work (1-based, e.g. 2/8), split by bp; shard outputs concatenated in order equal the whole run'}),
    resume: Flags.boolean({description: 'continue an interrupted -o FILE run (Ctrl-C, kill, crash) after its last complete record; the result equals an uninterrupted run', default: false}),
    track: Flags.string({description: 'profile models: the output track to write, by its name in grover.json "tracks"'}),
    'track-index': Flags.integer({description: 'profile models: the output track to write, by 0-based index'}),
    motifs: Flags.string({description: 'motif file (JASPAR, MEME, HOMER): mark the best site of its motifs inside each record (BED8 thickStart/thickEnd and strand; TSV motif_* columns) [default for bed: the model\'s own motif, e.g. ctcf\'s JASPAR MA0139.1]'}),
    'no-motif': Flags.boolean({description: 'BED6 without motif sites, even when the model ships a motif', default: false}),
    'motif-pvalue': Flags.string({description: 'a motif site must have a p-value below this (as grover motifs computes it)', default: '1e-4'}),
    scan: Flags.string({description: 'one-hot CNN models with scan graphs (ctcf): chunks runs the convolutions once per ~64-kb chunk and pools each window out of it (auto: when the model has them); windows runs the whole model on every window', options: ['auto', 'chunks', 'windows'], default: 'auto'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Predict)
    const num = (name: string, v: string | undefined) => numberFlag(this, name, v)
    const shard = flags.shard === undefined ? undefined : (() => {
      try {
        return parseShard(flags.shard)
      } catch (error) {
        this.error((error as Error).message, {exit: 2})
      }
    })()
    if (flags.resume && !flags.output) this.error('--resume continues an interrupted -o FILE run: give the same -o FILE.', {exit: 2})
    // what decides the output's content, recorded beside -o FILE so --resume can check it is unchanged
    const identity = await runIdentity({
      command: 'predict', model: flags.model, region: flags.region ?? null, window: flags.window ?? null, stride: flags.stride ?? null,
      strand: flags.strand, format: flags.format, threshold: flags.threshold ?? null, merge: flags.merge, batchSize: flags['batch-size'],
      batchTokens: flags['batch-tokens'], maxN: flags['max-n'], minSignal: flags['min-signal'] ?? null, shard: flags.shard ?? null,
      track: flags.track ?? null, trackIndex: flags['track-index'] ?? null, scan: flags.scan, noMotif: flags['no-motif'], motifPvalue: flags['motif-pvalue'],
    }, {fasta: args.fasta, regions: flags.regions, signal: flags.signal, restrictTo: flags['restrict-to'], chromAlias: flags['chrom-alias'], motifs: flags.motifs})
    const text = flags.format !== 'bigwig' && flags.output !== undefined
    const output = flags.format === 'bigwig' ? () => BigWigOutput.create(flags.output) : flags.output
    await runCommand<Sink | BigWigOutput>(this, output, async (sink, signal, log, resume) => {
      const summary = await predict({
        fasta: args.fasta,
        model: flags.model,
        regions: flags.region,
        regionsFile: flags.regions,
        window: flags.window,
        stride: flags.stride,
        strand: flags.strand as StrandMode,
        format: flags.format as Format,
        threshold: num('threshold', flags.threshold),
        merge: flags.merge,
        batchSize: flags['batch-size'],
        batchTokens: flags['batch-tokens'],
        device: flags.device as Device,
        threads: flags.threads,
        maxN: num('max-n', flags['max-n'])!,
        signalTrack: flags.signal,
        restrictTo: flags['restrict-to'],
        minSignal: num('min-signal', flags['min-signal']),
        chromAlias: flags['chrom-alias'],
        shard,
        resume,
        track: flags.track,
        trackIndex: flags['track-index'],
        scan: flags.scan as ScanMode,
        motifs: flags.motifs,
        noMotif: flags['no-motif'],
        motifPvalue: num('motif-pvalue', flags['motif-pvalue']),
        progress: showProgress(flags.quiet), quiet: flags.quiet,
        signal,
        log,
      }, sink)
      if (!flags.quiet) log(summaryLine(summary))
    }, {resumable: text ? {identity, resume: flags.resume} : undefined})
  }
}
