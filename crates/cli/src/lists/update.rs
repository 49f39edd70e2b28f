//! `vigia lists update`: download the official lists, verify, import.
//!
//! Each source is downloaded into a fresh folder under
//! `DATA_DIR/downloads/`, with retries and exponential backoff on network
//! errors and 5xx answers, a timeout and a size limit; then it is checked
//! (optional SHA-256, the detected format must be the one expected) and
//! imported exactly as `vigia lists import` would, refusal rules included.
//! The folder is removed afterwards: the store keeps the content hash.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use serde::Deserialize;
use vigia_sources::Format;
use vigia_store::{AuditLog, ImportPolicy, NewAuditEvent, Store};

use super::import::{ImportOptions, Tally, hash_files, import_paths, parse_format};
use super::{actor, now, open_store, shown};
use crate::{Global, progress};

/// The configuration file looked for in the data directory.
pub(super) const CONFIG_FILE: &str = "sources.toml";

const MIB: u64 = 1024 * 1024;

/// Arguments of `vigia lists update`.
#[derive(Debug, Args)]
pub(crate) struct UpdateArgs {
    /// The sources file (default: `sources.toml` in the data directory if
    /// present, else the built-in sources).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Update only this dataset (repeatable); disabled sources named here
    /// are updated too.
    #[arg(long, value_name = "DATASET")]
    only: Vec<String>,
    /// Accept versions with fewer than half the entities of the active one.
    #[arg(long)]
    allow_shrink: bool,
    /// List every diagnostic, not only their counts.
    #[arg(short, long)]
    verbose: bool,
}

/// The sources file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    download: DownloadFile,
    #[serde(default)]
    sources: BTreeMap<String, SourceFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DownloadFile {
    timeout_secs: Option<u64>,
    retries: Option<u32>,
    backoff_ms: Option<u64>,
    max_error_percent: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceFile {
    url: Option<String>,
    urls: Option<Vec<String>>,
    enabled: Option<bool>,
    format: Option<String>,
    sha256: Option<String>,
    max_bytes: Option<u64>,
}

/// Download settings, resolved.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Download {
    /// The whole-request timeout, per attempt.
    pub(super) timeout: Duration,
    /// Attempts after the first, on network errors and 5xx answers.
    pub(super) retries: u32,
    /// The first wait between attempts; doubled each time.
    pub(super) backoff: Duration,
    /// The refusal threshold for unreadable records, as a share.
    pub(super) max_error_share: f64,
}

/// One source to update, resolved.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct UpdateSource {
    pub(super) dataset: String,
    /// Every file of the list (OFAC's CSV sets have four).
    pub(super) urls: Vec<String>,
    pub(super) enabled: bool,
    /// The format the download must be detected as.
    pub(super) format: Format,
    /// The expected content hash (for a set: as `lists status` shows it).
    pub(super) sha256: Option<String>,
    /// The largest download accepted per file.
    pub(super) max_bytes: u64,
}

fn builtin(dataset: &str, urls: &[&str], format: Format, max_bytes: u64) -> UpdateSource {
    UpdateSource {
        dataset: dataset.to_owned(),
        urls: urls.iter().map(|u| (*u).to_owned()).collect(),
        enabled: true,
        format,
        sha256: None,
        max_bytes,
    }
}

/// The publishers' official download addresses.
pub(super) fn builtin_sources() -> Vec<UpdateSource> {
    const OFAC: &str = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports";
    let mut sources = vec![
        builtin(
            "us_ofac_sdn",
            &[
                &format!("{OFAC}/SDN.CSV"),
                &format!("{OFAC}/ADD.CSV"),
                &format!("{OFAC}/ALT.CSV"),
                &format!("{OFAC}/SDN_COMMENTS.CSV"),
            ],
            Format::OfacSdnCsv,
            256 * MIB,
        ),
        builtin(
            "us_ofac_cons",
            &[
                &format!("{OFAC}/CONS_PRIM.CSV"),
                &format!("{OFAC}/CONS_ADD.CSV"),
                &format!("{OFAC}/CONS_ALT.CSV"),
                &format!("{OFAC}/CONS_COMMENTS.CSV"),
            ],
            Format::OfacConsCsv,
            64 * MIB,
        ),
        builtin(
            "un_sc_sanctions",
            &["https://scsanctions.un.org/resources/xml/en/consolidated.xml"],
            Format::UnXml,
            64 * MIB,
        ),
        builtin(
            "eu_fsf",
            &[
                "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw",
            ],
            Format::EuFsfXml,
            256 * MIB,
        ),
        builtin(
            "gb_fcdo_sanctions",
            &["https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml"],
            Format::UkSanctionsXml,
            256 * MIB,
        ),
        builtin(
            "ca_dfatd_sema_sanctions",
            &[
                "https://www.international.gc.ca/world-monde/assets/office_docs/international_relations-relations_internationales/sanctions/sema-lmes.xml",
            ],
            Format::CanadaSemaXml,
            64 * MIB,
        ),
        builtin(
            "us_trade_csl",
            &[
                "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv",
            ],
            Format::TradeGovCsl,
            128 * MIB,
        ),
        builtin(
            "us_bis_denied",
            &["https://www.bis.doc.gov/dpl/dpl.txt"],
            Format::BisDpl,
            64 * MIB,
        ),
        builtin(
            "opensanctions",
            &["https://data.opensanctions.org/datasets/latest/default/entities.ftm.json"],
            Format::FtmJson,
            8 * 1024 * MIB,
        ),
    ];
    // OpenSanctions' data is licensed for non-commercial use and is several
    // gigabytes: opt in by `enabled = true` (ADR 0045).
    if let Some(open) = sources.iter_mut().find(|s| s.dataset == "opensanctions") {
        open.enabled = false;
    }
    sources
}

/// Merges a sources file over the built-in sources: a dataset named in the
/// file overrides the fields it sets; a new dataset must give its URL(s)
/// and format.
pub(super) fn resolve(text: &str, file: &str) -> anyhow::Result<(Download, Vec<UpdateSource>)> {
    let config: ConfigFile =
        toml::from_str(text).with_context(|| format!("{file}: not a valid sources file"))?;
    let download = Download {
        timeout: Duration::from_secs(config.download.timeout_secs.unwrap_or(300)),
        retries: config.download.retries.unwrap_or(4),
        backoff: Duration::from_millis(config.download.backoff_ms.unwrap_or(2_000)),
        max_error_share: config
            .download
            .max_error_percent
            .unwrap_or(ImportPolicy::DEFAULT_MAX_ERROR_SHARE * 100.0)
            / 100.0,
    };
    let mut sources = builtin_sources();
    for (dataset, given) in config.sources {
        let index = match sources.iter().position(|s| s.dataset == dataset) {
            Some(index) => index,
            None => {
                let format = given.format.as_deref().ok_or_else(|| {
                    anyhow::anyhow!(
                        "{file}: [sources.{dataset}] is not a built-in source: give its format"
                    )
                })?;
                let format = parse_format(format)
                    .map_err(|e| anyhow::anyhow!("{file}: [sources.{dataset}]: {e}"))?;
                sources.push(builtin(&dataset, &[], format, 256 * MIB));
                sources.len() - 1
            }
        };
        let source = &mut sources[index];
        if let Some(format) = &given.format {
            source.format = parse_format(format)
                .map_err(|e| anyhow::anyhow!("{file}: [sources.{dataset}]: {e}"))?;
        }
        match (given.url, given.urls) {
            (Some(_), Some(_)) => {
                anyhow::bail!("{file}: [sources.{dataset}]: give url or urls, not both")
            }
            (Some(url), None) => source.urls = vec![url],
            (None, Some(urls)) => source.urls = urls,
            (None, None) => {}
        }
        if source.urls.is_empty() {
            anyhow::bail!("{file}: [sources.{dataset}]: no url");
        }
        if let Some(enabled) = given.enabled {
            source.enabled = enabled;
        }
        if let Some(sha256) = given.sha256 {
            source.sha256 = Some(sha256.to_ascii_lowercase());
        }
        if let Some(max_bytes) = given.max_bytes {
            source.max_bytes = max_bytes;
        }
    }
    Ok((download, sources))
}

pub(super) fn run(args: &UpdateArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let default_config = global.data_dir.join(CONFIG_FILE);
    let config = args.config.clone().or_else(|| default_config.is_file().then_some(default_config));
    let (download, sources) = match &config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", shown(path)))?;
            resolve(&text, &shown(path))?
        }
        None => resolve("", "built-in sources")?,
    };
    for only in &args.only {
        if !sources.iter().any(|s| &s.dataset == only) {
            let names: Vec<&str> = sources.iter().map(|s| s.dataset.as_str()).collect();
            anyhow::bail!("--only {only}: no such source; the sources are {}", names.join(", "));
        }
    }
    let selected: Vec<&UpdateSource> = sources
        .iter()
        .filter(|s| if args.only.is_empty() { s.enabled } else { args.only.contains(&s.dataset) })
        .collect();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(download.timeout))
        .timeout_connect(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .user_agent(concat!("vigia/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut store = open_store(global)?;
    let mut tally = Tally::default();
    for source in selected {
        let folder = global.data_dir.join("downloads").join(format!(
            "{}.{}",
            source.dataset,
            std::process::id()
        ));
        let result = update_source(&mut store, &agent, &download, source, &folder, args, global);
        // The download is not kept: the store records its hash.
        let _ = std::fs::remove_dir_all(&folder);
        match result {
            Ok(outcome) => {
                tally.accepted += outcome.accepted;
                tally.unchanged += outcome.unchanged;
                tally.refused += outcome.refused;
            }
            Err(err) => {
                let reason = format!("{err:#}");
                eprintln!("vigia: error: {}: {reason}", source.dataset);
                println!("{}: download failed", source.dataset);
                store.record(&NewAuditEvent {
                    at: now(),
                    actor: actor(),
                    action: "lists.download.failed".into(),
                    subject: source.dataset.clone(),
                    details: serde_json::json!({"urls": source.urls, "reason": reason}),
                })?;
                tally.refused += 1;
            }
        }
    }
    drop(store);
    if tally.accepted > 0 {
        crate::rescreen::after_list_change(global, &actor())?;
    }
    Ok(tally.exit_code())
}

fn update_source(
    store: &mut Store,
    agent: &ureq::Agent,
    download: &Download,
    source: &UpdateSource,
    folder: &Path,
    args: &UpdateArgs,
    global: &Global,
) -> anyhow::Result<Tally> {
    std::fs::create_dir_all(folder).with_context(|| format!("creating {}", shown(folder)))?;
    let mut files = Vec::new();
    for (index, url) in source.urls.iter().enumerate() {
        let path = folder.join(file_name(url, index));
        fetch(agent, download, url, &path, source.max_bytes, global)?;
        files.push(path);
    }
    if let Some(expected) = &source.sha256 {
        let actual = hash_files(&files)?;
        if &actual != expected {
            anyhow::bail!("SHA-256 is {actual}, the sources file expects {expected}");
        }
    }
    let options = ImportOptions {
        dataset: Some(source.dataset.clone()),
        format: None,
        expect_format: Some(source.format),
        origin: Some(source.urls.join(" ")),
        policy: ImportPolicy {
            allow_shrink: args.allow_shrink,
            max_error_share: download.max_error_share,
        },
        verbose: args.verbose,
        mapping: None,
    };
    import_paths(store, &[folder.to_owned()], &options, global)
}

/// The local name of a downloaded file: the last path segment of the URL,
/// lower-cased (OFAC serves `SDN.CSV`), or a numbered name.
fn file_name(url: &str, index: usize) -> String {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let last = path.rsplit('/').next().unwrap_or_default();
    let clean: String = last
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .collect();
    let clean = clean.trim_start_matches('.').to_ascii_lowercase();
    if clean.is_empty() || clean.contains("://") {
        format!("download-{index}")
    } else {
        format!("{index:02}-{clean}")
    }
}

/// Why one attempt failed, and whether another may succeed.
struct Failure {
    message: String,
    retry: bool,
}

/// Downloads `url` into `path`, retrying with exponential backoff.
fn fetch(
    agent: &ureq::Agent,
    download: &Download,
    url: &str,
    path: &Path,
    max_bytes: u64,
    global: &Global,
) -> anyhow::Result<u64> {
    let mut wait = download.backoff;
    let mut attempt = 0;
    loop {
        match fetch_once(agent, url, path, max_bytes, global) {
            Ok(bytes) => return Ok(bytes),
            Err(failure) if failure.retry && attempt < download.retries => {
                attempt += 1;
                eprintln!(
                    "vigia: {url}: {}; retrying in {:.1} s ({attempt}/{})",
                    failure.message,
                    wait.as_secs_f64(),
                    download.retries
                );
                std::thread::sleep(wait);
                wait = wait.saturating_mul(2);
            }
            Err(failure) => {
                let tries = if attempt > 0 {
                    format!(" (after {} attempts)", attempt + 1)
                } else {
                    String::new()
                };
                anyhow::bail!("{url}: {}{tries}", failure.message);
            }
        }
    }
}

fn fetch_once(
    agent: &ureq::Agent,
    url: &str,
    path: &Path,
    max_bytes: u64,
    global: &Global,
) -> Result<u64, Failure> {
    let network = |err: ureq::Error| {
        // Timeouts, refused connections, resets: worth another try. A bad
        // URL or TLS failure is not.
        let retry = matches!(
            err,
            ureq::Error::Io(_)
                | ureq::Error::Timeout(_)
                | ureq::Error::ConnectionFailed
                | ureq::Error::HostNotFound
                | ureq::Error::Protocol(_)
                | ureq::Error::BodyStalled
        );
        Failure { message: err.to_string(), retry }
    };
    let mut response = agent.get(url).call().map_err(network)?;
    let status = response.status();
    if !status.is_success() {
        let code = status.as_u16();
        let reason = status.canonical_reason().unwrap_or("");
        return Err(Failure {
            message: format!("HTTP {code} {reason}").trim_end().to_owned(),
            retry: status.is_server_error() || code == 429 || code == 408,
        });
    }
    let length = response.body().content_length();
    if let Some(length) = length
        && length > max_bytes
    {
        return Err(Failure {
            message: format!("{length} bytes, more than the limit of {max_bytes}"),
            retry: false,
        });
    }
    let bar = progress::bytes(global.interactive, url, length);
    let mut reader = response.body_mut().with_config().limit(max_bytes).reader();
    let write_error =
        |err: io::Error| Failure { message: format!("{}: {err}", shown(path)), retry: false };
    let mut out = BufWriter::new(File::create(path).map_err(write_error)?);
    let mut buffer = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) => {
                bar.finish_and_clear();
                return Err(match ureq::Error::from(err) {
                    ureq::Error::BodyExceedsLimit(limit) => Failure {
                        message: format!("larger than the limit of {limit} bytes"),
                        retry: false,
                    },
                    other => network(other),
                });
            }
        };
        out.write_all(&buffer[..n]).map_err(write_error)?;
        total += n as u64;
        bar.set_position(total);
    }
    out.flush().map_err(write_error)?;
    bar.finish_and_clear();
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_sources_are_complete() {
        let (download, sources) = resolve("", "x").unwrap();
        assert_eq!(download.retries, 4);
        let names: Vec<&str> = sources.iter().map(|s| s.dataset.as_str()).collect();
        assert_eq!(
            names,
            [
                "us_ofac_sdn",
                "us_ofac_cons",
                "un_sc_sanctions",
                "eu_fsf",
                "gb_fcdo_sanctions",
                "ca_dfatd_sema_sanctions",
                "us_trade_csl",
                "us_bis_denied",
                "opensanctions"
            ]
        );
        assert!(
            sources
                .iter()
                .all(|s| !s.urls.is_empty() && s.urls.iter().all(|u| u.starts_with("https://")))
        );
        assert!(!sources.iter().find(|s| s.dataset == "opensanctions").unwrap().enabled);
    }

    #[test]
    fn a_sources_file_overrides_and_adds() {
        let text = r#"
            [download]
            retries = 1
            backoff_ms = 5

            [sources.un_sc_sanctions]
            url = "http://127.0.0.1:1/un.xml"
            sha256 = "ABC"

            [sources.us_ofac_sdn]
            enabled = false

            [sources.internal]
            url = "http://127.0.0.1:1/mine.csv"
            format = "generic_csv"
        "#;
        let (download, sources) = resolve(text, "sources.toml").unwrap();
        assert_eq!((download.retries, download.backoff), (1, Duration::from_millis(5)));
        let un = sources.iter().find(|s| s.dataset == "un_sc_sanctions").unwrap();
        assert_eq!(un.urls, ["http://127.0.0.1:1/un.xml"]);
        assert_eq!(un.sha256.as_deref(), Some("abc"));
        assert!(!sources.iter().find(|s| s.dataset == "us_ofac_sdn").unwrap().enabled);
        let internal = sources.iter().find(|s| s.dataset == "internal").unwrap();
        assert_eq!(internal.format, Format::GenericCsv);
    }

    #[test]
    fn bad_sources_files_say_what_is_wrong() {
        let cases = [
            ("[sources.x]\nurl = \"http://h/x\"\n", "give its format"),
            ("[sources.un_sc_sanctions]\nformat = \"pdf\"\n", "unknown format"),
            ("[sources.un_sc_sanctions]\nurl = \"a\"\nurls = [\"b\"]\n", "not both"),
            ("[sources.un_sc_sanctions]\nurlz = \"a\"\n", "not a valid sources file"),
            ("[download]\nretries = -1\n", "not a valid sources file"),
        ];
        for (text, expected) in cases {
            let err = format!("{:#}", resolve(text, "sources.toml").unwrap_err());
            assert!(err.contains(expected), "{text}: {err}");
            assert!(err.contains("sources.toml"), "{text}: {err}");
        }
    }

    #[test]
    fn downloaded_files_get_safe_names() {
        assert_eq!(file_name("https://h/exports/SDN.CSV", 0), "00-sdn.csv");
        assert_eq!(file_name("https://h/files/content?token=abc", 1), "01-content");
        assert_eq!(file_name("https://h/", 2), "download-2");
        assert_eq!(file_name("https://h/../..", 3), "download-3");
    }
}
