//! Many draws with derived seeds, to show people what their chances are
//! (docs/lottery.md §13). Not part of any real draw.

use super::crypto::{Seed, sha256, stream_key};
use super::draw::{Basis, Drawer};
use super::inputs::{Method, ParticipantId, PlaceKey, ValidInputs};
use crate::Lang;

/// How often (in draws) [`simulate`] reports progress.
pub const PROGRESS_EVERY: u64 = 1024;

/// The seed of simulated draw `index`: SHA-256(master seed ‖ index as 8 bytes little-endian).
pub fn simulation_seed(master: &Seed, index: u64) -> Seed {
    Seed::from_bytes(sha256(&[master.as_bytes(), &index.to_le_bytes()]))
}

/// Counts from [`simulate`]: per participant, how often each place and each turn came up.
#[derive(Debug, Clone, PartialEq)]
pub struct Probabilities {
    draws: u64,
    method: Method,
    participants: Vec<ParticipantId>,
    places: Vec<PlaceKey>,
    reserved: Vec<bool>,
    has_ranking: Vec<bool>,
    /// Expected share of each place for a non-reserved participant under `pure_random`.
    free_share: Vec<f64>,
    /// `[participant][place]`.
    counts: Vec<u64>,
    /// `[participant][turn]`, turns of the non-reserved participants.
    turns: Vec<u64>,
    turn_count: usize,
    first_choice: Vec<u64>,
}

/// Runs `draws` draws with seeds [`simulation_seed`]`(master_seed, 0..draws)` and counts
/// the outcomes. `progress(done)` is called every [`PROGRESS_EVERY`] draws and at the end.
///
/// The loop allocates nothing per draw: one set of buffers is reused throughout.
pub fn simulate(
    inputs: &ValidInputs,
    master_seed: &Seed,
    draws: u64,
    mut progress: impl FnMut(u64),
) -> Probabilities {
    let n_people = inputs.participants().len();
    let n_places = inputs.places().len();
    let turn_count = inputs.pool.len();
    let mut counts = vec![0u64; n_people * n_places];
    let mut turns = vec![0u64; n_people * turn_count];
    let mut first_choice = vec![0u64; n_people];
    let inputs_sha256 = inputs.inputs_sha256();
    let mut drawer = Drawer::new(inputs);
    for i in 0..draws {
        let seed = simulation_seed(master_seed, i);
        drawer.run(inputs, &stream_key(&seed, &inputs_sha256));
        for (p, &(place, basis)) in drawer.got.iter().enumerate() {
            counts[p * n_places + place as usize] += 1;
            if basis == (Basis::Preference { rank: 1 }) {
                first_choice[p] += 1;
            }
        }
        for (turn, &p) in drawer.order.iter().enumerate() {
            turns[p as usize * turn_count + turn] += 1;
        }
        if (i + 1) % PROGRESS_EVERY == 0 {
            progress(i + 1);
        }
    }
    progress(draws);
    let total_free = inputs.base_slots.len().max(1) as f64;
    Probabilities {
        draws,
        method: inputs.method(),
        participants: inputs.participants().iter().map(|p| p.id.clone()).collect(),
        places: inputs.places().iter().map(|p| p.key.clone()).collect(),
        reserved: inputs
            .participants()
            .iter()
            .map(|p| p.reserved.is_some())
            .collect(),
        has_ranking: inputs
            .participants()
            .iter()
            .map(|p| !p.preferences.is_empty())
            .collect(),
        free_share: inputs
            .base_free
            .iter()
            .map(|&f| f64::from(f) / total_free)
            .collect(),
        counts,
        turns,
        turn_count,
        first_choice,
    }
}

fn pct(x: f64, lang: Lang) -> String {
    let s = format!("{:.1}", x * 100.0);
    match lang {
        Lang::Nb => s.replace('.', ","),
        Lang::Nn => s.replace('.', ","),
        Lang::En => s,
    }
}

impl Probabilities {
    /// Number of simulated draws.
    pub fn draws(&self) -> u64 {
        self.draws
    }

    /// The method of the simulated lottery.
    pub fn method(&self) -> Method {
        self.method
    }

    /// Participants, in canonical order (row order).
    pub fn participants(&self) -> &[ParticipantId] {
        &self.participants
    }

    /// Place keys, in canonical order (column order).
    pub fn places(&self) -> &[PlaceKey] {
        &self.places
    }

    /// How many draws gave participant `p` place `place` (indices into the two lists).
    pub fn count(&self, p: usize, place: usize) -> u64 {
        self.counts
            .get(p * self.places.len() + place)
            .copied()
            .unwrap_or(0)
    }

    /// The fraction of draws that gave participant `p` place `place`.
    pub fn fraction(&self, p: usize, place: usize) -> f64 {
        if self.draws == 0 {
            0.0
        } else {
            self.count(p, place) as f64 / self.draws as f64
        }
    }

    /// The fraction of draws in which participant `p` got their first choice
    /// (`None` when reserved or without a ranking).
    pub fn first_choice_fraction(&self, p: usize) -> Option<f64> {
        let ranked = self.has_ranking.get(p).copied().unwrap_or(false)
            && !self.reserved.get(p).copied().unwrap_or(true);
        (ranked && self.draws > 0).then(|| self.first_choice[p] as f64 / self.draws as f64)
    }

    /// The fraction of draws in which participant `p` had turn `turn` (0-based).
    pub fn turn_fraction(&self, p: usize, turn: usize) -> f64 {
        let n = self
            .turns
            .get(p * self.turn_count + turn)
            .copied()
            .unwrap_or(0);
        if self.draws == 0 {
            0.0
        } else {
            n as f64 / self.draws as f64
        }
    }

    /// Largest absolute gap between a participant's share of a turn and `1/turns`.
    pub fn max_turn_deviation(&self) -> f64 {
        let expected = 1.0 / self.turn_count.max(1) as f64;
        let mut worst = 0.0f64;
        for p in (0..self.participants.len()).filter(|&p| !self.reserved[p]) {
            for t in 0..self.turn_count {
                worst = worst.max((self.turn_fraction(p, t) - expected).abs());
            }
        }
        worst
    }

    /// Largest absolute gap, over non-reserved participants and places, between the
    /// simulated share and the place's share of the free slots. Only meaningful for
    /// `pure_random`, where that share is the exact probability.
    pub fn max_place_deviation(&self) -> f64 {
        let mut worst = 0.0f64;
        for p in (0..self.participants.len()).filter(|&p| !self.reserved[p]) {
            for (j, &share) in self.free_share.iter().enumerate() {
                worst = worst.max((self.fraction(p, j) - share).abs());
            }
        }
        worst
    }

    /// A few sentences for a person: is the draw fair, and why do chances differ.
    pub fn fairness_note(&self, lang: Lang) -> String {
        let mut lines = Vec::new();
        let n = self.draws;
        // Three standard errors of a share near one half: differences below this are chance.
        let margin = pct(1.5 / (n.max(1) as f64).sqrt(), lang);
        lines.push(match lang {
            Lang::Nb => format!(
                "Grunnlag: {n} simulerte trekninger, {}.",
                self.method.label(lang)
            ),
            Lang::Nn => format!(
                "Grunnlag: {n} simulerte trekkingar, {}.",
                self.method.label(lang)
            ),
            Lang::En => format!("Based on {n} simulated draws, {}.", self.method.label(lang)),
        });
        let k = self.turn_count;
        let dev = pct(self.max_turn_deviation(), lang);
        lines.push(match lang {
            Lang::Nb => format!(
                "Rekkefølge: alle {k} som trekkes har lik sjanse for hver plass i rekkefølgen; største avvik fra 1/{k} i simuleringen er {dev} prosentpoeng, og tilfeldig variasjon alene gir opptil ca. {margin} prosentpoeng."
            ),
            Lang::Nn => format!(
                "Rekkjefølgje: alle {k} som blir trekte, har lik sjanse for kvar plass i rekkjefølgja; det største avviket frå 1/{k} i simuleringa er {dev} prosentpoeng, og tilfeldig variasjon åleine gir opptil ca. {margin} prosentpoeng."
            ),
            Lang::En => format!(
                "Order: all {k} who are drawn have the same chance of every turn; the largest gap from 1/{k} in the simulation is {dev} percentage points, and chance alone gives up to about {margin} points."
            ),
        });
        match self.method {
            Method::PureRandom => {
                let dev = pct(self.max_place_deviation(), lang);
                lines.push(match lang {
                    Lang::Nb => format!(
                        "Plasser: hver lege får hvert sted med samme sjanse som stedets andel av de ledige plassene; største avvik i simuleringen er {dev} prosentpoeng."
                    ),
                    Lang::Nn => format!(
                        "Plassar: kvar lege får kvar stad med same sjanse som den delen staden har av dei ledige plassane; det største avviket i simuleringa er {dev} prosentpoeng."
                    ),
                    Lang::En => format!(
                        "Places: every doctor gets each place with the same chance, that place's share of the free slots; the largest gap in the simulation is {dev} percentage points."
                    ),
                });
            }
            Method::PreferenceOrder => {
                let firsts: Vec<(usize, f64)> = (0..self.participants.len())
                    .filter_map(|p| self.first_choice_fraction(p).map(|f| (p, f)))
                    .collect();
                let lo = firsts.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1));
                let hi = firsts.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1));
                if let (Some((lp, lf)), Some((hp, hf))) = (lo, hi) {
                    let (lw, hw) = (&self.participants[lp], &self.participants[hp]);
                    let (lf, hf) = (pct(lf, lang), pct(hf, lang));
                    lines.push(match lang {
                        Lang::Nb => format!(
                            "Førstevalg: sjansen for å få førstevalget varierer fra {lf} % ({lw}) til {hf} % ({hw}). Forskjellen kommer av hvor mange som ønsker seg de samme stedene, ikke av trekningen."
                        ),
                        Lang::Nn => format!(
                            "Førsteval: sjansen for å få førstevalet varierer frå {lf} % ({lw}) til {hf} % ({hw}). Skilnaden kjem av kor mange som ønskjer seg dei same stadene, ikkje av trekkinga."
                        ),
                        Lang::En => format!(
                            "First choice: the chance of getting one's first choice ranges from {lf} % ({lw}) to {hf} % ({hw}). The difference comes from how many want the same places, not from the draw."
                        ),
                    });
                }
            }
        }
        let reserved = self.reserved.iter().filter(|r| **r).count();
        if reserved > 0 {
            lines.push(match lang {
                Lang::Nb => {
                    format!("{reserved} lege(r) har reservert plass og trekkes ikke.")
                }
                Lang::Nn => {
                    format!("{reserved} lege(ar) har reservert plass og blir ikkje trekte.")
                }
                Lang::En => {
                    format!("{reserved} doctor(s) have a reserved place and are not drawn.")
                }
            });
        }
        lines.join("\n")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::lottery::inputs::{LotteryInputs, ParticipantInput, PlaceInput};

    #[test]
    fn progress_is_reported_and_counts_add_up() {
        let i = LotteryInputs {
            site: "Test".into(),
            cohort: "2023-03-01".into(),
            method: Method::PureRandom,
            participants: (1..=3)
                .map(|n| ParticipantInput {
                    id: format!("d-{n}"),
                    on_leave: false,
                })
                .collect(),
            places: vec![
                PlaceInput {
                    key: "5035".into(),
                    count: 2,
                },
                PlaceInput {
                    key: "5034".into(),
                    count: 2,
                },
            ],
            reservations: vec![],
            preferences: vec![],
            replaces: None,
        }
        .validate()
        .unwrap();
        let mut seen = Vec::new();
        let pr = simulate(&i, &Seed::from_bytes([0; 32]), 2500, |d| seen.push(d));
        assert_eq!(seen, [1024, 2048, 2500]);
        for p in 0..3 {
            assert_eq!(pr.count(p, 0) + pr.count(p, 1), 2500);
        }
        assert!(
            pr.fairness_note(Lang::Nb)
                .contains("2500 simulerte trekninger")
        );
    }
}
