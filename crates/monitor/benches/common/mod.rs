//! Shared by the benchmarks: simulated transactions, parsed in memory.

use vigia_model::Transaction;
use vigia_monitor::{
    AccountProfile, ReaderOptions, Record, Step, TransactionReader, read_profiles,
};
use vigia_simulate::{Simulation, SimulationConfig};

/// A stream of simulated days, parsed into transactions chunk by chunk so
/// that ten million never sit in memory at once.
pub(crate) struct Days {
    simulation: Simulation,
    text: String,
}

impl Days {
    /// `transactions` over `accounts` accounts (None: the generator's
    /// default density), from `seed`.
    pub(crate) fn new(transactions: u64, accounts: Option<u32>, seed: u64) -> Days {
        let config =
            SimulationConfig { transactions, accounts, seed, ..SimulationConfig::default() };
        let simulation = match Simulation::new(&config) {
            Ok(s) => s,
            Err(e) => panic!("simulation config: {e}"),
        };
        Days { simulation, text: String::new() }
    }

    /// The simulated customers' profiles.
    pub(crate) fn profiles(&self) -> Vec<AccountProfile> {
        let text = self.simulation.profiles_jsonl();
        match read_profiles("simulated", text.as_bytes()) {
            Ok(p) => p,
            Err(e) => panic!("profiles: {e}"),
        }
    }

    /// Appends about `at_least` transactions (whole days) to `out`; false
    /// when the simulation is exhausted.
    pub(crate) fn next_chunk(&mut self, out: &mut Vec<Transaction>, at_least: usize) -> bool {
        self.text.clear();
        let mut more = true;
        let before = out.len();
        while more && self.text.len() < at_least * 300 {
            more = self.simulation.next_day(&mut self.text);
        }
        let Ok(mut reader) = TransactionReader::new(self.text.as_bytes(), ReaderOptions::default())
        else {
            return false;
        };
        let mut rec = Record::default();
        loop {
            match reader.read(&mut rec) {
                Ok(Step::Record) => out.push(rec.transaction.clone()),
                Ok(Step::Bad(b)) => panic!("simulated row unreadable: {b}"),
                Ok(Step::End) | Err(_) => break,
            }
        }
        more || out.len() > before
    }
}
