import {Args, Command, Flags} from '@oclif/core'

import type {Device} from '../model/device.js'
import {runCommand} from '../cli.js'
import {modelFlag, runFlags, showProgress} from '../flags.js'
import {score} from '../pipeline/score.js'

export default class Score extends Command {
  static override summary = 'Score variant effects from a VCF with a masked-LM (llr) or classifier (delta) model.'

  static override description = `Reads a VCF (plain or bgzip), splits multi-allelic records into their ALT alleles and checks
each REF against the FASTA. For each allele, a window of --window bp centred on the variant:
  • masked-LM bundle (e.g. grover-mini): llr = log P(ALT tokens) − log P(REF tokens), each computed
    with the tokens covering the allele masked, averaged over both strands;
  • classifier bundle (e.g. ctcf, the default): delta = P(positive | ALT window) − P(positive | REF
    window), both strands averaged. A sequence shorter than the window (a 100-bp contig) is scored
    whole by models that take any length (ctcf).
Indels are scored when they fit in half the window; symbolic ALTs (<DEL>, *) get "." and are counted.
--format vcf (default) writes the input VCF with INFO GROVER_LLR / GROVER_DELTA added (Number=A,
declared in the header); --format tsv writes "chrom pos id ref alt llr|delta", one row per allele.`

  static override examples = [
    {description: 'CTCF binding change of every dbSNP variant in the bundled slice (INFO GROVER_DELTA)', command: '<%= config.bin %> <%= command.id %> data/chr22_20M.fa data/chr22_20M.dbsnp.vcf.gz > scored.vcf'},
    {description: 'The same as a table', command: '<%= config.bin %> <%= command.id %> data/chr22_20M.fa data/chr22_20M.dbsnp.vcf.gz --model ctcf --format tsv'},
    {description: 'Masked-LM log-likelihood ratios (GROVER_LLR)', command: '<%= config.bin %> <%= command.id %> data/chr22_20M.fa data/chr22_20M.dbsnp.vcf.gz --model grover-mini --format tsv'},
    '<%= config.bin %> <%= command.id %> data/chr22_20M.fa data/chr22_20M.dbsnp.vcf.gz --region chr22_20M:100001-200000',
  ]

  static override args = {
    fasta: Args.string({description: 'reference FASTA the VCF was called against', required: true}),
    vcf: Args.string({description: 'VCF file (plain, or bgzip-compressed)', required: true}),
  }

  static override flags = {
    ...runFlags,
    model: modelFlag('ctcf', 'classification (delta) or masked-LM (llr) bundle'),
    format: Flags.string({char: 'f', description: 'output format', options: ['vcf', 'tsv'], default: 'vcf'}),
    region: Flags.string({char: 'r', description: 'only variants in this region, 1-based inclusive (repeatable); a bgzip VCF with .tbi is read through its index', multiple: true}),
    'skip-mismatch': Flags.boolean({description: 'skip records whose REF differs from the FASTA (counted on stderr) instead of stopping', default: false}),
    window: Flags.integer({char: 'w', description: 'window in bp centred on each variant [default: the model\'s]'}),
    'batch-size': Flags.integer({char: 'b', description: 'about this many alleles per model call', default: 8}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Score)
    await runCommand(this, flags.output, async (sink, signal, log) => {
      const s = await score({
        fasta: args.fasta, vcf: args.vcf, regions: flags.region, model: flags.model, format: flags.format as 'vcf' | 'tsv',
        skipMismatch: flags['skip-mismatch'], window: flags.window, batchSize: flags['batch-size'],
        device: flags.device as Device, threads: flags.threads, progress: showProgress(flags.quiet), quiet: flags.quiet, signal, log,
      }, sink)
      if (!flags.quiet) log(`grover score: ${s.records.toLocaleString('en-US')} records, ${s.alleles.toLocaleString('en-US')} alleles, ${s.scored.toLocaleString('en-US')} scored, ${s.skipped} not scorable${s.mismatches ? `, ${s.mismatches} REF mismatches skipped` : ''}`)
    })
  }
}
