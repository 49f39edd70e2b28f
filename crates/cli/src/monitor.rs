//! `vigia monitor`: run transaction monitoring over a file or stdin and
//! write alerts as JSON lines; with `--labels`, backtest the scenarios.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use vigia_model::{Alert, Entity, Schema};
use vigia_monitor::backtest::{self, Backtest};
use vigia_monitor::reader::Batch;
use vigia_monitor::window::parse_duration;
use vigia_monitor::{
    Format, Monitor, MonitorOptions, PackBuilder, PartyQuery, PartyScreener, ReaderOptions,
    ScreeningHit, TransactionReader, read_account_labels, read_profiles,
};
use vigia_screen::{Query, ScreenConfig, Screener};

use crate::Global;

/// What to do with a row that cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum BadRowPolicy {
    /// Count it, report the first few on stderr, go on.
    Skip,
    /// Stop with an error naming the row.
    Stop,
}

/// Run transaction monitoring over a file or stdin; alerts as JSON lines.
///
/// Input formats (detected from the first line, or --format): AMLworld CSV
/// (Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving
/// Currency,Amount Paid,Payment Currency,Payment Format[,Is Laundering];
/// accounts become BANK:ACCOUNT), AMLSim CSV (sourceNodeId,targetNodeId,
/// value,time; step s is day s after --amlsim-origin) and Vigia JSONL.
/// Rows without an id get their 1-based data row number. Amounts convert to
/// USD by the dated rates in data/reference/fx.toml.
///
/// Scenarios: the built-in pack (data/scenarios), extended or overridden by
/// each --scenarios DIR (its *.toml files; reference/*.toml inside it
/// override reference data by name; a scenario with a built-in id replaces
/// it). --no-builtin starts from an empty pack.
///
/// A summary goes to stderr: transactions, bad rows, late rows, alerts per
/// scenario, throughput. With --labels, precision, recall and F1 per
/// scenario and typology at transaction, account and pattern level follow
/// (docs/guide/monitoring.md defines each).
#[derive(Debug, Args)]
pub(crate) struct MonitorArgs {
    /// Transactions: a file, or `-` for standard input.
    input: PathBuf,
    /// Write alerts here instead of standard output (`-`: standard output).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// A scenario directory (or a single .toml file) extending the pack;
    /// `builtin` names the built-in pack. Repeatable.
    #[arg(long, value_name = "PACK_OR_DIR")]
    scenarios: Vec<String>,
    /// Do not load the built-in scenarios (reference data stays loaded).
    #[arg(long)]
    no_builtin: bool,
    /// Input format: amlworld, amlsim or jsonl (default: detected).
    #[arg(long, value_name = "F")]
    format: Option<String>,
    /// Customer/account profiles (JSONL or CSV; see docs/guide/monitoring.md).
    #[arg(long, value_name = "FILE")]
    customers: Option<PathBuf>,
    /// What to do with a row that cannot be read.
    #[arg(long, value_enum, default_value = "skip")]
    on_bad_row: BadRowPolicy,
    /// Backtest: with no value, use the input's labels (AMLworld's
    /// `Is Laundering` column, the `labels` object of Vigia JSONL); with a
    /// file, read account labels from it (AMLSim nodes.csv: nodeid,isFraud).
    #[arg(long, value_name = "COLUMN_OR_FILE", num_args = 0..=1, default_missing_value = "")]
    labels: Option<String>,
    /// Write the backtest report as JSON lines here.
    #[arg(long, value_name = "FILE", requires = "labels")]
    report: Option<PathBuf>,
    /// How late (behind the latest event time) a transaction may arrive and
    /// still count in windows, e.g. 15m, 1h, 1d.
    #[arg(long, default_value = "1h", value_name = "DURATION")]
    lateness: String,
    /// Run only scenarios for these institution types (B bank, M MSB,
    /// R remittance), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "TYPES")]
    institution_type: Vec<String>,
    /// Run only these scenario ids, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    only: Vec<String>,
    /// Event date of AMLSim step 0 (YYYY-MM-DD, UTC).
    #[arg(long, default_value = "2017-01-01", value_name = "DATE")]
    amlsim_origin: String,
    /// Do not screen party names (E2) against the lists.
    #[arg(long)]
    no_screening: bool,
}

/// Screens party names with the screening engine over the active lists
/// (or the built-in watchlist), keeping hits whose entity has a topic.
/// A party of unknown kind is screened as a `LegalEntity` (it matches
/// people and organisations alike), a known individual as a `Person`; the
/// party's country goes with the name as evidence; the threshold is the
/// scenario's.
struct ListScreener {
    screener: Screener,
    config: RefCell<ScreenConfig>,
    scratch: RefCell<vigia_index::Scratch>,
}

impl PartyScreener for ListScreener {
    fn screen(&self, party: &PartyQuery<'_>) -> Option<ScreeningHit> {
        let schema = if party.person == Some(true) { Schema::Person } else { Schema::LegalEntity };
        let mut entity = Entity::new("party", schema);
        entity.add("name", party.name);
        if let Some(c) = party.country {
            entity.add("country", c);
        }
        let query = Query { id: "party".into(), entity };
        let mut config = self.config.borrow_mut();
        config.threshold = party.threshold as f32;
        let result = self.screener.screen(&query, &config, &mut self.scratch.borrow_mut());
        let best = result.results.into_iter().find(|m| m.is_match)?;
        let record = &self.screener.index().record(best.record).entity;
        let mut topics: Vec<String> = record.get("topics").to_vec();
        topics.extend(record.get("program").iter().cloned());
        Some(ScreeningHit {
            entity_id: best.id,
            caption: best.caption,
            score: best.score,
            topics,
            datasets: best.datasets,
        })
    }
}

/// Rows in flight between the reading thread and the engine: a few
/// batches, so that reading runs ahead while the engine works.
const BATCHES: usize = 4;
/// Rows per batch: the channel is crossed once per batch, not per row.
const BATCH_ROWS: usize = 1024;

/// What the reading thread hands over: a batch of rows, then whether more
/// follow (or the error that ended the input after those rows).
type Filled = (Batch, vigia_monitor::Result<bool>);

/// The transactions read and parsed on a thread of their own, handed to the
/// engine in input order in batches that come back to be refilled (ADR
/// 0143). Either side ending early disconnects the channels, which ends
/// the other: a reading thread blocked on a full channel or waiting for an
/// empty batch returns; one blocked on its input is left to the process
/// exit rather than waited for.
struct ReadAhead {
    filled: Receiver<Filled>,
    empty: SyncSender<Batch>,
    thread: JoinHandle<()>,
}

impl ReadAhead {
    fn spawn<R: BufRead + Send + 'static>(mut reader: TransactionReader<R>) -> Result<ReadAhead> {
        let (filled_tx, filled) = mpsc::sync_channel::<Filled>(BATCHES);
        let (empty, empty_rx) = mpsc::sync_channel::<Batch>(BATCHES);
        for _ in 0..BATCHES {
            // The channel has room for every batch.
            let _ = empty.send(Batch::new(BATCH_ROWS));
        }
        let thread = std::thread::Builder::new()
            .name("vigia-read".into())
            .spawn(move || {
                while let Ok(mut batch) = empty_rx.recv() {
                    let outcome = reader.read_batch(&mut batch);
                    let more = matches!(outcome, Ok(true));
                    if filled_tx.send((batch, outcome)).is_err() || !more {
                        return;
                    }
                }
            })
            .context("starting the reading thread")?;
        Ok(ReadAhead { filled, empty, thread })
    }

    /// The next batch in input order and what followed it.
    fn next(&self) -> Result<Filled> {
        match self.filled.recv() {
            Ok(filled) => Ok(filled),
            // The thread sends the end or an error before it returns; a
            // disconnected channel without either is a panic.
            Err(_) => bail!("the reading thread stopped unexpectedly"),
        }
    }

    /// Gives a processed batch back to be refilled.
    fn recycle(&self, batch: Batch) {
        // The reading thread may have ended (end of input): nothing to do.
        let _ = self.empty.send(batch);
    }

    /// Waits for the reading thread after the end of the input.
    fn finish(self) -> Result<()> {
        drop(self.empty);
        self.thread.join().map_err(|_| anyhow::anyhow!("the reading thread panicked"))
    }
}

/// The graph typologies on a thread of their own (ADR 0144). Each batch
/// goes to the rules engine and to this thread at once; the engine thread
/// takes the batch's graph alerts, by record, before it writes the batch's
/// alerts. Either side ending early disconnects the channels, which ends
/// the other.
struct GraphThread {
    jobs: SyncSender<Arc<Batch>>,
    /// Per batch: the graph alerts with the index of their record among
    /// the batch's records.
    done: Receiver<Vec<(usize, Alert)>>,
    thread: JoinHandle<Monitor>,
}

impl GraphThread {
    fn spawn(mut monitor: Monitor) -> Result<GraphThread> {
        let (jobs, jobs_rx) = mpsc::sync_channel::<Arc<Batch>>(1);
        let (done_tx, done) = mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("vigia-graph".into())
            .spawn(move || {
                let mut alerts = Vec::new();
                while let Ok(batch) = jobs_rx.recv() {
                    let mut raised = Vec::new();
                    let mut base = 0;
                    for (run, _) in batch.runs() {
                        // A record that fails here fails in the rules
                        // engine too, which reports it.
                        let _: ControlFlow<()> = monitor.process_each(
                            run,
                            |record| &record.transaction,
                            &mut alerts,
                            |i, _, alerts| {
                                raised.extend(alerts.drain(..).map(|a| (base + i, a)));
                                ControlFlow::Continue(())
                            },
                        );
                        base += run.len();
                    }
                    // The engine thread takes the batch back once both are done.
                    drop(batch);
                    if done_tx.send(raised).is_err() {
                        break;
                    }
                }
                monitor
            })
            .context("starting the graph thread")?;
        Ok(GraphThread { jobs, done, thread })
    }

    /// Hands a batch over.
    fn start(&self, batch: Arc<Batch>) -> Result<()> {
        self.jobs.send(batch).map_err(|_| anyhow::anyhow!("the graph thread stopped unexpectedly"))
    }

    /// The graph alerts of the batch handed over last.
    fn finish(&self) -> Result<Vec<(usize, Alert)>> {
        self.done.recv().map_err(|_| anyhow::anyhow!("the graph thread stopped unexpectedly"))
    }

    /// The graph engine, for its counters, once every batch is done.
    fn join(self) -> Result<Monitor> {
        drop(self.jobs);
        self.thread.join().map_err(|_| anyhow::anyhow!("the graph thread panicked"))
    }
}

fn open_input(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(BufReader::with_capacity(1 << 20, io::stdin())));
    }
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    Ok(Box::new(BufReader::with_capacity(1 << 20, file)))
}

fn load_pack(args: &MonitorArgs) -> Result<vigia_monitor::Pack> {
    let mut builder = if args.no_builtin {
        let mut b = PackBuilder::new();
        b.add_builtin_reference();
        b
    } else {
        PackBuilder::builtin()
    };
    for source in &args.scenarios {
        if source == "builtin" {
            continue;
        }
        let path = PathBuf::from(source);
        let mut files: Vec<PathBuf> = Vec::new();
        let mut references: Vec<PathBuf> = Vec::new();
        if path.is_dir() {
            for entry in
                std::fs::read_dir(&path).with_context(|| format!("reading {}", path.display()))?
            {
                let p = entry?.path();
                if p.extension().is_some_and(|e| e == "toml") {
                    files.push(p);
                }
            }
            let reference = path.join("reference");
            if reference.is_dir() {
                for entry in std::fs::read_dir(&reference)? {
                    let p = entry?.path();
                    if p.extension().is_some_and(|e| e == "toml") {
                        references.push(p);
                    }
                }
            }
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            bail!("--scenarios {source}: no such directory or file");
        }
        files.sort();
        references.sort();
        for p in references {
            let text =
                std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
            builder.add_reference(&p.display().to_string(), &text);
        }
        for p in files {
            let text =
                std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
            builder.add_scenarios(&p.display().to_string(), &text);
        }
    }
    Ok(builder.build()?)
}

/// Runs `vigia monitor`.
pub(crate) fn run(args: MonitorArgs, global: &Global) -> Result<ExitCode> {
    let started = Instant::now();
    let pack = load_pack(&args)?;
    let lateness =
        parse_duration(&args.lateness).map_err(|e| anyhow::anyhow!("--lateness: {e}"))?;
    let format = match &args.format {
        Some(f) => Some(
            Format::parse(f)
                .with_context(|| format!("--format {f}: want amlworld, amlsim or jsonl"))?,
        ),
        None => None,
    };
    let origin: jiff::civil::Date = args
        .amlsim_origin
        .parse()
        .with_context(|| format!("--amlsim-origin {}", args.amlsim_origin))?;
    let origin = jiff::tz::TimeZone::UTC
        .to_timestamp(origin.to_datetime(jiff::civil::Time::midnight()))?
        .as_millisecond();

    let options = MonitorOptions {
        lateness,
        institution_types: args.institution_type.clone(),
        only: args.only.clone(),
        ..MonitorOptions::default()
    };
    for id in &args.only {
        if pack.scenario(id).is_none() {
            bail!("--only {id}: no such scenario in the pack");
        }
    }
    let needs_screening =
        pack.scenarios.iter().any(|s| s.requires.iter().any(|r| r == "screening"));
    // The graph typologies run on a thread of their own (ADR 0144).
    let (mut monitor, mut graph) = Monitor::split_graph(pack, options);
    let mut running = monitor.running();
    running.extend(graph.iter().flat_map(Monitor::running));
    running.sort_unstable();
    let screens = running
        .iter()
        .any(|i| monitor.pack().scenarios[*i].requires.iter().any(|r| r == "screening"));
    let mut lists_label = String::from("off");
    if needs_screening && screens && !args.no_screening {
        let (screener, loaded) = crate::engine::load_screener(global)?;
        // The threshold is each screening scenario's (default 0.7, the
        // screening engine's own default).
        let config = ScreenConfig { limit: 1, ..ScreenConfig::default() };
        lists_label = loaded.label.clone();
        monitor.set_screener(Box::new(ListScreener {
            screener,
            config: RefCell::new(config),
            scratch: RefCell::new(vigia_index::Scratch::new()),
        }));
    }
    if let Some(path) = &args.customers {
        let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let profiles = read_profiles(&path.display().to_string(), BufReader::new(file))?;
        monitor.add_profiles(&profiles);
        if let Some(g) = &mut graph {
            g.add_profiles(&profiles);
        }
    }

    let mut backtest = None;
    if let Some(labels) = &args.labels {
        let mut b = Backtest::new();
        if !labels.is_empty() {
            let path = PathBuf::from(labels);
            if !path.is_file() {
                bail!(
                    "--labels {labels}: no such file. Give an account-label file (AMLSim nodes.csv), or --labels alone to use the input's own labels"
                );
            }
            let (positives, n) = read_account_labels(BufReader::new(File::open(&path)?))
                .with_context(|| format!("reading account labels from {}", path.display()))?;
            eprintln!("labels: {} of {n} accounts positive ({})", positives.len(), path.display());
            b.set_account_labels(positives);
        }
        backtest = Some(b);
    }

    let input = open_input(&args.input)?;
    let reader = TransactionReader::new(
        input,
        ReaderOptions { format, amlsim_origin: origin, ..ReaderOptions::default() },
    )
    .with_context(|| format!("reading {}", args.input.display()))?;
    let mut out = crate::output::create(args.output.as_deref(), 1 << 16)?;

    let bar = crate::progress::counter(global.interactive, "transactions");
    let format_name = reader.format().name();
    let rows = ReadAhead::spawn(reader)?;
    let graph = graph.map(GraphThread::spawn).transpose()?;
    let mut alerts = Vec::new();
    // Per record of the batch: its outcome in the rules engine and where
    // its alerts end in `raised`; the graph thread's alerts carry their
    // record's index.
    let mut outcomes: Vec<(vigia_monitor::Result<()>, usize)> = Vec::new();
    let mut raised = Vec::new();
    let (mut bad, mut rejected, mut read) = (0u64, 0u64, 0u64);
    let processing = Instant::now();
    loop {
        let (batch, outcome) = rows.next()?;
        let batch = Arc::new(batch);
        if let Some(g) = &graph {
            g.start(Arc::clone(&batch))?;
        }
        // Runs of good records go to the engine together, so it can read
        // the coming transactions' state ahead (ADR 0136).
        outcomes.clear();
        raised.clear();
        for (run, _) in batch.runs() {
            let _: ControlFlow<()> = monitor.process_each(
                run,
                |record| &record.transaction,
                &mut alerts,
                |_, processed, alerts| {
                    raised.append(alerts);
                    outcomes.push((processed, raised.len()));
                    ControlFlow::Continue(())
                },
            );
        }
        let graph_raised = match &graph {
            Some(g) => g.finish()?,
            None => Vec::new(),
        };
        // Each record's outcome and alerts (the rules engine's, then the
        // graph thread's) are handled in input order, exactly as one call
        // per record would have.
        let mut graph_raised = graph_raised.iter().peekable();
        let mut outcomes = outcomes.drain(..);
        let (mut pos, mut from) = (0usize, 0usize);
        for (run, bad_row) in batch.runs() {
            for record in run {
                let Some((processed, end)) = outcomes.next() else { break };
                let (own, at) = (&raised[from..end], pos);
                (from, pos) = (end, pos + 1);
                read += 1;
                if let Some(b) = &mut backtest {
                    b.observe(&record.transaction, record.labels.as_ref());
                }
                if let Err(e) = processed {
                    if args.on_bad_row == BadRowPolicy::Stop {
                        bail!("{}: row {}: {e}", args.input.display(), record.row);
                    }
                    rejected += 1;
                    if bad + rejected <= 5 {
                        bar.suspend(|| {
                            eprintln!(
                                "vigia: skipping {}: row {}: {e}",
                                args.input.display(),
                                record.row
                            )
                        });
                    }
                    continue;
                }
                let theirs = std::iter::from_fn(|| graph_raised.next_if(|(i, _)| *i == at));
                for alert in own.iter().chain(theirs.map(|(_, a)| a)) {
                    serde_json::to_writer(&mut out, alert)?;
                    out.write_all(b"\n")?;
                    if let Some(b) = &mut backtest {
                        b.alert(alert);
                    }
                }
                if read.is_multiple_of(1 << 16) {
                    bar.set_position(read);
                }
            }
            if let Some(row) = bad_row {
                if args.on_bad_row == BadRowPolicy::Stop {
                    bail!("{}: {row}", args.input.display());
                }
                bad += 1;
                if bad <= 5 {
                    bar.suspend(|| eprintln!("vigia: skipping {}: {row}", args.input.display()));
                }
            }
        }
        rows.recycle(Arc::try_unwrap(batch).unwrap_or_else(|_| Batch::new(BATCH_ROWS)));
        if !outcome? {
            break;
        }
    }
    rows.finish()?;
    let graph = graph.map(GraphThread::join).transpose()?;
    out.flush()?;
    bar.finish_and_clear();
    let elapsed = processing.elapsed().as_secs_f64();

    let mut stats = monitor.stats();
    if let Some(g) = &graph {
        stats.absorb(&g.stats());
    }
    let pack = monitor.pack();
    let mut err = io::stderr().lock();
    writeln!(
        err,
        "monitor: {read} transactions ({} format), {bad} bad rows, {rejected} rejected (no rate or bad amount), {} late (beyond {})",
        format_name, stats.late, args.lateness
    )?;
    let total: u64 = stats.alerts.iter().sum();
    writeln!(
        err,
        "monitor: {total} alerts from {} scenarios running ({}; screening lists: {lists_label})",
        running.len(),
        pack.version
    )?;
    let mut line = String::new();
    for i in &running {
        let s = &pack.scenarios[*i];
        if stats.alerts[*i] > 0 || stats.suppressed[*i] > 0 {
            line.push_str(&format!(" {}={}", s.id, stats.alerts[*i]));
            if stats.suppressed[*i] > 0 {
                line.push_str(&format!("(+{} suppressed)", stats.suppressed[*i]));
            }
        }
    }
    if !line.is_empty() {
        writeln!(err, "monitor: alerts per scenario:{line}")?;
    }
    // Without a split (a pack of graph typologies only), the one engine
    // holds the graph.
    if let Some(g) = graph.as_ref().and_then(Monitor::graph_stats).or_else(|| monitor.graph_stats())
    {
        writeln!(
            err,
            "monitor: graph: {} edges, {} live at the end (peak {})",
            g.edges, g.live_edges, g.peak_live_edges
        )?;
    }
    writeln!(
        err,
        "monitor: {:.0} transactions/s ({elapsed:.2} s processing, {:.2} s total); window state: {} keys, {} events, {} evidence ids, {} accounts",
        read as f64 / elapsed.max(1e-9),
        started.elapsed().as_secs_f64(),
        stats.states,
        stats.events,
        stats.evidence_ids,
        stats.accounts
    )?;
    if let Some(b) = &backtest {
        if !b.has_truth() {
            writeln!(err, "backtest: the input carries no labels and no label file was given")?;
        } else {
            let rows = b.report();
            let (n, labelled) = b.counts();
            writeln!(err, "backtest: {n} transactions, {labelled} with labels")?;
            err.write_all(backtest::render(&rows).as_bytes())?;
            if let Some(path) = &args.report {
                let mut f = BufWriter::new(
                    File::create(path).with_context(|| format!("creating {}", path.display()))?,
                );
                for r in &rows {
                    let value = serde_json::json!({
                        "scope": r.scope, "name": r.name, "alerts": r.alerts,
                        "transaction": {"tp": r.transactions.tp, "fp": r.transactions.fp, "fn": r.transactions.fn_,
                            "precision": r.transactions.precision(), "recall": r.transactions.recall(), "f1": r.transactions.f1()},
                        "account": {"tp": r.accounts.tp, "fp": r.accounts.fp, "fn": r.accounts.fn_,
                            "precision": r.accounts.precision(), "recall": r.accounts.recall(), "f1": r.accounts.f1()},
                        "pattern": {"alerts_with_positive": r.patterns.tp, "precision": r.patterns.precision(),
                            "found": r.patterns_found.0, "patterns": r.patterns_found.1, "recall": backtest::pattern_recall(r),
                            "own_found": r.own_patterns.0, "own_patterns": r.own_patterns.1,
                            "false_per_thousand": r.false_per_thousand},
                    });
                    serde_json::to_writer(&mut f, &value)?;
                    f.write_all(b"\n")?;
                }
                f.flush()?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::{BufReader, Read};

    use vigia_monitor::reader::Row;

    use super::*;

    const HEADER: &str = "sourceNodeId,targetNodeId,value,time\n";

    fn reader(
        input: impl Read + Send + 'static,
    ) -> TransactionReader<BufReader<Box<dyn Read + Send>>> {
        let input: Box<dyn Read + Send> = Box::new(input);
        TransactionReader::new(BufReader::new(input), ReaderOptions::default()).unwrap()
    }

    /// The rows as the engine sees them: record row numbers, bad rows as
    /// their negated numbers; then the error that ended the input, if any.
    fn drain(rows: &ReadAhead) -> (Vec<i64>, Option<String>) {
        let mut seen = Vec::new();
        loop {
            let (batch, outcome) = rows.next().unwrap();
            for row in batch.rows() {
                seen.push(match row {
                    Row::Record(r) => r.row as i64,
                    Row::Bad(b) => -(b.row as i64),
                });
            }
            rows.recycle(batch);
            match outcome {
                Ok(true) => {}
                Ok(false) => return (seen, None),
                Err(e) => return (seen, Some(e.to_string())),
            }
        }
    }

    #[test]
    fn rows_cross_the_thread_in_input_order_with_bad_rows_in_place() {
        let rows = 5 * BATCH_ROWS * BATCHES + 17;
        let mut text = String::from(HEADER);
        let mut want = Vec::new();
        for i in 1..=rows {
            if i % 997 == 0 {
                text.push_str("1,2,not a number,0\n");
                want.push(-(i as i64));
            } else {
                text.push_str(&format!("{i},{},1.5,{}\n", i + 1, i / 100));
                want.push(i as i64);
            }
        }
        let ahead = ReadAhead::spawn(reader(std::io::Cursor::new(text))).unwrap();
        let (seen, error) = drain(&ahead);
        assert_eq!(error, None);
        assert_eq!(seen, want);
        ahead.finish().unwrap();
    }

    /// Fails after its text, as a disk or a pipe can.
    struct Failing(std::io::Cursor<String>);

    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.0.read(buf)? {
                0 => Err(io::Error::other("device gone")),
                n => Ok(n),
            }
        }
    }

    #[test]
    fn a_read_error_reaches_the_engine_after_the_rows_before_it() {
        let mut text = String::from(HEADER);
        for i in 1..=3000 {
            text.push_str(&format!("{i},{},1,0\n", i + 1));
        }
        let ahead = ReadAhead::spawn(reader(Failing(std::io::Cursor::new(text)))).unwrap();
        let (seen, error) = drain(&ahead);
        assert_eq!(seen, (1..=3000).collect::<Vec<i64>>());
        assert!(error.unwrap().contains("device gone"));
        // The reading thread has returned after sending the error.
        ahead.finish().unwrap();
    }

    /// Rows without end.
    struct Endless(u64);

    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let row = if self.0 == 0 {
                HEADER.to_string()
            } else {
                format!("{},{},1,0\n", self.0, self.0 + 1)
            };
            self.0 += 1;
            let n = row.len().min(buf.len());
            buf[..n].copy_from_slice(&row.as_bytes()[..n]);
            Ok(n)
        }
    }

    #[test]
    fn the_reading_thread_ends_when_the_engine_stops_early() {
        let ahead = ReadAhead::spawn(reader(Endless(0))).unwrap();
        let (batch, outcome) = ahead.next().unwrap();
        assert!(outcome.unwrap());
        assert!(!batch.is_empty());
        // The engine stops (a bad row under --on-bad-row stop): its ends of
        // the channels go, and the reader, blocked on a full channel or on
        // an empty batch, returns.
        let ReadAhead { filled, empty, thread } = ahead;
        drop((filled, empty, batch));
        thread.join().unwrap();
    }
}
