import {Args, Command, Flags} from '@oclif/core'

import {runCommand} from '../cli.js'
import {numberFlag, runFlags, showProgress} from '../flags.js'
import {MOTIF_HIT_FORMATS, type MotifHitFormat} from '../io/motif-hits.js'
import {MOTIF_FORMATS, type MotifFormat} from '../io/motifs.js'
import {type BackgroundSpec, motifSummaryLine, scanMotifs} from '../pipeline/motifs.js'

export default class Motifs extends Command {
  static override summary = 'Scan a genome for motif occurrences as FIMO does: log-odds scores, exact p-values, q-values.'

  static override description = `Every motif of --motifs (JASPAR .jaspar/.pfm and multi-motif .txt, MEME minimal/text, HOMER
.motif; the format is detected, or give --format-in) is scored at every position and both strands of
the regions, as FIMO (MEME suite 5) scores them:
  • frequencies with a pseudocount: p' = (f·n + pseudocount·bg) / (n + pseudocount), n = the motif's
    sites (JASPAR's column total, MEME's nsites, else 20); score = Σ log2(p'/bg) over the site;
  • p-value: the exact probability that a random site under the background scores at least as high,
    from the integer-scaled score matrix (each column scaled to 0…100) by dynamic programming;
  • a position touching N (or another non-ACGT letter) gets no score and is not a test;
  • q-value: Benjamini–Hochberg per motif over all positions × strands scanned.
Every hit with p < --pvalue is written, both strands (--max-strand: the better one), in FASTA-index
order. Hits are held in a temporary file until the scan ends (q-values need the number of tests), so
memory stays flat and nothing is dropped; --no-qvalue writes them as they are found (q-value NA).

Background (--background): motif (default, as FIMO: the MEME file's background letter frequencies;
uniform for JASPAR and HOMER files), uniform, fasta (the base composition of the scanned regions),
or a MEME background file.

Output (stdout or -o FILE, written to a temporary file renamed when the run succeeds):
  bed (default): BED6+3, 0-based half-open — chrom start end motif_id score strand p_value q_value
                 matched_sequence (the site on its strand, reverse-complemented on −)
  tsv: FIMO's --text columns and coordinates (1-based start, inclusive stop) — motif_id motif_alt_id
       sequence_name start stop strand score p-value q-value matched_sequence
Scores are the exact log-odds sums (FIMO prints them rounded through its integer scale).`

  static override examples = [
    {description: 'CTCF sites (JASPAR MA0139.1) on the bundled slice', command: '<%= config.bin %> <%= command.id %> data/chr22_20M.fa --motifs data/MA0139.1.jaspar > ctcf_motifs.bed'},
    {description: 'All motifs of a JASPAR collection, q ≤ 0.05, one strand per position', command: '<%= config.bin %> <%= command.id %> genome.fa --motifs JASPAR2024_CORE_vertebrates.txt --qvalue 0.05 --max-strand -o hits.bed'},
    {description: 'FIMO-style table of one region, background from the sequence', command: '<%= config.bin %> <%= command.id %> genome.fa --motifs ctcf.meme --region chr1:1000001-2000000 --background fasta -f tsv'},
  ]

  static override args = {
    fasta: Args.string({description: 'genome FASTA (plain or bgzip; indexed, or plain and indexable)', required: true}),
  }

  static override flags = {
    output: runFlags.output,
    quiet: runFlags.quiet,
    motifs: Flags.string({description: 'motif file: JASPAR, MEME or HOMER (several motifs allowed)', required: true}),
    'format-in': Flags.string({description: 'format of the motif file [default: detected]', options: MOTIF_FORMATS}),
    region: Flags.string({char: 'r', description: 'region to scan, 1-based inclusive: chr, chr:start-end (repeatable)', multiple: true}),
    regions: Flags.string({description: 'BED file of regions to scan (0-based)'}),
    background: Flags.string({description: 'background letter frequencies: motif, uniform, fasta, or a MEME background file', default: 'motif'}),
    pseudocount: Flags.string({description: 'motif pseudocount, spread over the bases by the background (FIMO --motif-pseudo)', default: '0.1'}),
    pvalue: Flags.string({description: 'report sites with p-value below this (FIMO --thresh)', default: '1e-4'}),
    qvalue: Flags.string({description: 'also require a q-value at most this'}),
    'no-qvalue': Flags.boolean({description: 'do not compute q-values: write hits as they are found (q-value NA)', default: false}),
    'max-strand': Flags.boolean({description: 'at a position hit on both strands, keep only the higher-scoring one', default: false}),
    format: Flags.string({char: 'f', description: 'output format', options: MOTIF_HIT_FORMATS, default: 'bed'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Motifs)
    const num = (name: string, v: string | undefined) => numberFlag(this, name, v)
    const bgFlag = flags.background
    const background: BackgroundSpec = bgFlag === 'motif' || bgFlag === 'uniform' || bgFlag === 'fasta' ? bgFlag : {file: bgFlag}
    await runCommand(this, flags.output, async (sink, signal, log) => {
      const s = await scanMotifs({
        fasta: args.fasta, regions: flags.region, regionsFile: flags.regions, motifs: flags.motifs, formatIn: flags['format-in'] as MotifFormat | undefined,
        background, pseudocount: num('pseudocount', flags.pseudocount)!, pvalue: num('pvalue', flags.pvalue)!, qvalue: num('qvalue', flags.qvalue),
        noQvalue: flags['no-qvalue'], maxStrand: flags['max-strand'], format: flags.format as MotifHitFormat,
        progress: showProgress(flags.quiet), signal, log,
      }, sink)
      if (!flags.quiet) log(motifSummaryLine(s))
    })
  }
}
