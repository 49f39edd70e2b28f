//! `vigia keys ...`: the HTTP server's API keys.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use vigia_server::auth::{Role, generate_key};
use vigia_store::lists::ListStore;
use vigia_store::{KeyStore, NewApiKey, Store};

use crate::Global;

/// The `keys` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum KeysCommand {
    /// Create a key and print it once (only its hash is stored: a lost key
    /// cannot be shown again; revoke it and create another).
    Create(CreateArgs),
    /// List the keys: id, name, role, datasets, created, revoked.
    List(ListArgs),
    /// Revoke a key by its id (or by its name when only one active key has
    /// it). A running server refuses it from the next request on.
    Revoke(RevokeArgs),
}

/// Arguments of `vigia keys create`.
#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// A name for people: who or what uses the key. For `analyst` and
    /// `supervisor` keys it is the user the case rules know (four eyes:
    /// two keys with one name are one person).
    #[arg(long)]
    name: String,
    /// What the key may do: `screen` (match, search, entities, catalog,
    /// algorithms, metrics); `admin` (also list updates, registering
    /// customers, reading hits, alerts and cases); `analyst` (screening,
    /// customers, hit decisions, alerts and cases); `supervisor` (an
    /// analyst who may also approve others' closing requests, return,
    /// reopen and assign cases).
    #[arg(long, default_value = "screen")]
    role: String,
    /// Limit the key to this dataset (repeatable; default: every dataset).
    #[arg(long = "dataset", value_name = "DATASET")]
    datasets: Vec<String>,
    /// Print the key and its details as JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `vigia keys list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Include revoked keys.
    #[arg(long)]
    all: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `vigia keys revoke`.
#[derive(Debug, Args)]
pub(crate) struct RevokeArgs {
    /// The key's id (as `keys list` shows it) or name.
    key: String,
}

fn now() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn actor() -> String {
    match std::env::var("USER").or_else(|_| std::env::var("USERNAME")) {
        Ok(user) if !user.is_empty() => format!("cli:{user}"),
        _ => "cli".to_owned(),
    }
}

fn open(global: &Global) -> Result<Store> {
    Store::open(&global.data_dir)
        .with_context(|| format!("opening the store in {}", global.data_dir.display()))
}

/// Runs a `keys` subcommand.
pub(crate) fn run(command: KeysCommand, global: &Global) -> Result<ExitCode> {
    match command {
        KeysCommand::Create(args) => create(args, global),
        KeysCommand::List(args) => list(&args, global),
        KeysCommand::Revoke(args) => revoke(&args, global),
    }
}

fn create(args: CreateArgs, global: &Global) -> Result<ExitCode> {
    let Some(role) = Role::parse(&args.role) else {
        let roles: Vec<&str> = Role::ALL.iter().map(|r| r.name()).collect();
        bail!("--role {}: unknown role (one of {})", args.role, roles.join(", "));
    };
    let name = args.name.trim();
    if name.is_empty() {
        bail!("--name must not be empty");
    }
    let mut store = open(global)?;
    let active: Vec<String> = store
        .active_versions()
        .context("reading the active lists")?
        .into_iter()
        .map(|v| v.dataset)
        .collect();
    for dataset in &args.datasets {
        if !active.contains(dataset) {
            eprintln!(
                "vigia: warning: --dataset {dataset}: no active list has this dataset (yet); \
                 the key will see nothing from it until one does"
            );
        }
    }
    let generated = generate_key();
    let created = store
        .create_key(&NewApiKey {
            id: generated.id.clone(),
            name: name.to_owned(),
            hash: generated.hash,
            role: role.name().to_owned(),
            datasets: args.datasets,
            created_at: now(),
            actor: actor(),
        })
        .context("storing the key")?;
    if args.json {
        let mut value = serde_json::to_value(&created)?;
        if let Some(map) = value.as_object_mut() {
            map.insert("key".into(), generated.secret.into());
        }
        println!("{value}");
    } else {
        println!("{}", generated.secret);
        let scope = if created.datasets.is_empty() {
            "every dataset".to_owned()
        } else {
            created.datasets.join(", ")
        };
        eprintln!(
            "vigia: created key {} ({}, role {}, {scope}); it is shown only this once: send it as \
             `Authorization: ApiKey <key>`",
            created.id, created.name, created.role
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn list(args: &ListArgs, global: &Global) -> Result<ExitCode> {
    let store = open(global)?;
    let keys: Vec<_> = store
        .keys()
        .context("reading the keys")?
        .into_iter()
        .filter(|k| args.all || k.is_active())
        .collect();
    if args.json {
        println!("{}", serde_json::to_string(&keys)?);
        return Ok(ExitCode::SUCCESS);
    }
    if keys.is_empty() {
        eprintln!("vigia: no key (create one with `vigia keys create --name NAME`)");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<13} {:<20} {:<7} {:<21} {:<21} datasets",
        "id", "name", "role", "created", "revoked"
    );
    for key in keys {
        let datasets =
            if key.datasets.is_empty() { "*".to_owned() } else { key.datasets.join(",") };
        println!(
            "{:<13} {:<20} {:<7} {:<21} {:<21} {datasets}",
            key.id,
            key.name,
            key.role,
            key.created_at,
            key.revoked_at.as_deref().unwrap_or("-"),
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn revoke(args: &RevokeArgs, global: &Global) -> Result<ExitCode> {
    let mut store = open(global)?;
    let key = store.revoke_key(args.key.trim(), &now(), &actor())?;
    println!("revoked {} ({}, role {})", key.id, key.name, key.role);
    Ok(ExitCode::SUCCESS)
}
