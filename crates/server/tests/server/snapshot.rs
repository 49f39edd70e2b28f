//! The index snapshot of the loader (ADR 0119): built and written when
//! missing, taken when it matches, rebuilt when the lists, the
//! configuration or the file changed, and never fatal.

use std::path::Path;

use vigia_index::{IndexConfig, Scratch};
use vigia_model::{Entity, Schema};
use vigia_screen::{Query, ScreenConfig};
use vigia_server::lists::{self, IndexSource, LoadedLists, SNAPSHOT_FILE};

use crate::support::{TEST_SDN, TEST_UN, import};

fn store() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    import(dir.path(), "us_ofac_sdn", TEST_SDN);
    import(dir.path(), "un_sc_sanctions", TEST_UN);
    dir
}

/// Every answer of a few queries, as JSON: what must not change whether the
/// index was built or loaded.
fn answers(loaded: &LoadedLists) -> Vec<String> {
    let screener = loaded.screener();
    let queries = [
        ("Person", "Joaquin Guzman Loera"),
        ("Person", "Chapo Guzman"),
        ("Person", "Abdulrahman Yasin"),
        ("Company", "Cecoex SA de CV"),
        ("Vessel", "Sea Breeze"),
        ("Organization", "Tren de Aragua"),
        ("Person", "Nobody Anywhere"),
    ];
    queries
        .iter()
        .enumerate()
        .map(|(i, (schema, name))| {
            let mut entity = Entity::new(format!("q{i}"), Schema::parse(schema));
            entity.add(vigia_model::prop::NAME, name);
            let query = Query { id: format!("q{i}"), entity };
            let result = screener.screen(&query, &ScreenConfig::default(), &mut Scratch::new());
            serde_json::to_string(&result).unwrap()
        })
        .collect()
}

fn load(dir: &Path) -> LoadedLists {
    lists::load(dir).unwrap()
}

fn built(loaded: &LoadedLists) -> (String, bool) {
    match &loaded.source {
        IndexSource::Built { why, written } => (why.clone(), *written),
        other => panic!("built expected, got {other:?}"),
    }
}

#[test]
fn a_missing_snapshot_is_built_and_written_then_loaded_with_the_same_answers() {
    let dir = store();
    let snapshot = dir.path().join(SNAPSHOT_FILE);
    assert!(!snapshot.exists());
    let first = load(dir.path());
    assert_eq!(built(&first), ("missing".to_owned(), true));
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);
    assert!(snapshot.exists());
    let second = load(dir.path());
    assert_eq!(second.source, IndexSource::Snapshot);
    assert!(second.warnings.is_empty(), "{:?}", second.warnings);
    assert_eq!(second.label, first.label);
    assert_eq!(second.versions, first.versions);
    assert_eq!(second.index.stats(), first.index.stats());
    assert_eq!(answers(&second), answers(&first));
    assert!(answers(&first).iter().any(|a| a.contains("sdn-guzman")), "the queries match");
    // No temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn a_new_list_version_rebuilds_the_snapshot() {
    let dir = store();
    let before = load(dir.path());
    let without_zambada: String =
        TEST_SDN.lines().filter(|l| !l.contains("sdn-zambada")).map(|l| format!("{l}\n")).collect();
    import(dir.path(), "us_ofac_sdn", &without_zambada);
    let after = load(dir.path());
    let (why, written) = built(&after);
    assert!(why.contains("list versions"), "{why}");
    assert!(written);
    assert!(after.warnings.is_empty(), "{:?}", after.warnings);
    assert_eq!(after.index.stats().records, before.index.stats().records - 1);
    assert_ne!(after.label, before.label);
    assert!(!answers(&after).iter().any(|a| a.contains("sdn-zambada")));
    // And the rewritten snapshot is the new lists'.
    let again = load(dir.path());
    assert_eq!(again.source, IndexSource::Snapshot);
    assert_eq!(answers(&again), answers(&after));
}

#[test]
fn another_configuration_rebuilds_the_snapshot() {
    let dir = store();
    load(dir.path());
    let config = IndexConfig { max_candidates: 50, ..IndexConfig::default() };
    let other = lists::load_with(dir.path(), &config).unwrap();
    let (why, written) = built(&other);
    assert!(why.contains("configuration"), "{why}");
    assert!(written);
    assert_eq!(other.index.config(), &config);
    assert_eq!(lists::load_with(dir.path(), &config).unwrap().source, IndexSource::Snapshot);
    // The default configuration does not take the other's snapshot.
    assert!(built(&load(dir.path())).0.contains("configuration"));
}

#[test]
fn a_damaged_snapshot_is_rebuilt_with_a_warning() {
    let dir = store();
    let reference = answers(&load(dir.path()));
    let snapshot = dir.path().join(SNAPSHOT_FILE);
    let good = std::fs::read(&snapshot).unwrap();
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x10;
    let damages: [(&str, Vec<u8>); 4] = [
        ("truncated", good[..good.len() * 2 / 3].to_vec()),
        ("a flipped bit", flipped),
        ("empty", Vec::new()),
        ("not a snapshot", b"SQLite format 3\0 and more".to_vec()),
    ];
    for (damage, bytes) in damages {
        std::fs::write(&snapshot, &bytes).unwrap();
        let loaded = load(dir.path());
        let (why, written) = built(&loaded);
        assert!(why.contains("corrupt"), "{damage}: {why}");
        assert!(written, "{damage}");
        assert_eq!(loaded.warnings.len(), 1, "{damage}: {:?}", loaded.warnings);
        assert!(loaded.warnings[0].contains(SNAPSHOT_FILE), "{:?}", loaded.warnings);
        assert_eq!(answers(&loaded), reference, "{damage}");
        // Rewritten whole.
        assert_eq!(load(dir.path()).source, IndexSource::Snapshot, "{damage}");
    }
    // Another format (an older or newer binary's) is stale, not damage.
    let mut other_format = good;
    other_format[8] ^= 0x40;
    std::fs::write(&snapshot, &other_format).unwrap();
    let loaded = load(dir.path());
    assert!(built(&loaded).0.contains("format"), "{:?}", loaded.source);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
}

#[test]
fn a_snapshot_that_cannot_be_read_or_written_is_not_fatal() {
    let dir = store();
    // A directory where the snapshot should be: it can be neither read
    // nor replaced by a file, whatever the process's privileges.
    std::fs::create_dir(dir.path().join(SNAPSHOT_FILE)).unwrap();
    let mut reference = None;
    for _ in 0..2 {
        let loaded = load(dir.path());
        let (why, written) = built(&loaded);
        assert!(why.contains("unreadable"), "{why}");
        assert!(!written);
        assert_eq!(loaded.warnings.len(), 2, "{:?}", loaded.warnings);
        assert!(loaded.warnings[1].contains("cannot be written"), "{:?}", loaded.warnings);
        let got = answers(&loaded);
        assert!(got.iter().any(|a| a.contains("sdn-guzman")));
        assert_eq!(reference.get_or_insert_with(|| got.clone()), &got);
    }
    let stray: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

#[cfg(unix)]
#[test]
fn a_read_only_data_directory_still_screens() {
    use std::os::unix::fs::PermissionsExt;
    let dir = store();
    let reference = answers(&load(dir.path()));
    std::fs::remove_file(dir.path().join(SNAPSHOT_FILE)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    // As root the directory stays writable; either way screening works.
    let loaded = load(dir.path());
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (_, written) = built(&loaded);
    assert_eq!(written, loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(answers(&loaded), reference);
}

#[test]
fn the_built_in_watchlist_is_not_snapshotted() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = load(dir.path());
    assert_eq!(loaded.source, IndexSource::Builtin);
    assert!(!dir.path().join(SNAPSHOT_FILE).exists());
}
