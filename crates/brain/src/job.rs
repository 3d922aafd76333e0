//! The index run: plan → batches bounded by characters and count → embed with a timeout and
//! retries → each batch committed in one transaction → finish the generation and prune.
//! A SIGKILL at any point loses at most the batch in flight: every step before it is
//! committed, and the plan of the next run starts from what is committed.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::{Connection, params};
use workbench_llm::Embedder;

use crate::plan::{self, Generation, Todo};
use crate::vectors::{self, VectorFormat, hashes_blob, split_hashes};
use crate::{Brain, BrainError, Db, IndexReport, Phase, Progress, schema, sources};

/// First pause before retrying a failed batch; doubled each time.
const BACKOFF_BASE: Duration = Duration::from_millis(200);
const BACKOFF_MAX: Duration = Duration::from_secs(10);
/// After this many failed batches in a row the model server is taken to be down: the run
/// stops embedding (the rest waits for the next run) instead of failing every batch slowly.
const GIVE_UP_AFTER: usize = 3;

fn store_err(e: impl std::fmt::Display) -> BrainError {
    BrainError::Store(e.to_string())
}

async fn blocking<T: Send + 'static>(
    db: &Arc<Db>,
    f: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
) -> Result<T, BrainError> {
    let db = db.clone();
    tokio::task::spawn_blocking(move || db.write(f))
        .await
        .map_err(store_err)?
}

/// Greedy batches in order: at most `max_inputs` texts and `max_chars` characters each
/// (a single longer text goes alone; the model truncates it).
pub fn batches(todo: &[Todo], max_chars: usize, max_inputs: usize) -> Vec<std::ops::Range<usize>> {
    let max_inputs = max_inputs.max(1);
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = 0;
    for (i, t) in todo.iter().enumerate() {
        let n = t.text.chars().count();
        if i > start && (i - start >= max_inputs || chars + n > max_chars) {
            out.push(start..i);
            start = i;
            chars = 0;
        }
        chars += n;
    }
    if start < todo.len() {
        out.push(start..todo.len());
    }
    out
}

/// A batch's vectors, checked: one per input, all of one dimension, finite.
fn check_vectors(
    inputs: usize,
    vectors: &[Vec<f32>],
    want: Option<usize>,
) -> Result<usize, String> {
    if vectors.len() != inputs {
        return Err(format!(
            "the model returned {} vectors for {inputs} inputs",
            vectors.len()
        ));
    }
    let dims = vectors.first().map_or(0, Vec::len);
    if dims == 0 {
        return Err("the model returned empty vectors".into());
    }
    if let Some(v) = vectors.iter().find(|v| v.len() != dims) {
        return Err(format!(
            "the model returned vectors of different sizes in one batch ({dims} and {})",
            v.len()
        ));
    }
    if let Some(w) = want.filter(|w| *w != dims) {
        return Err(format!(
            "the model returned {dims}-dimensional vectors mid-run, this generation has {w}; the next run starts a new generation"
        ));
    }
    if vectors.iter().flatten().any(|x| !x.is_finite()) {
        return Err("the model returned a vector with NaN or infinite values".into());
    }
    Ok(dims)
}

async fn embed_with_retries(
    embedder: &dyn Embedder,
    inputs: &[String],
    timeout: Duration,
    retries: u32,
) -> Result<Vec<Vec<f32>>, String> {
    let mut attempt = 0u32;
    loop {
        let err = match tokio::time::timeout(timeout, embedder.embed(inputs)).await {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!(
                "the embedding model did not answer within {:.1} s",
                timeout.as_secs_f64()
            ),
        };
        if attempt >= retries {
            return Err(err);
        }
        let pause = BACKOFF_BASE
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(BACKOFF_MAX);
        tracing::warn!(attempt, error = %err, "embedding batch failed; retrying");
        tokio::time::sleep(pause).await;
        attempt += 1;
    }
}

fn commit_batch(
    conn: &mut Connection,
    genr: i64,
    hashes: &[[u8; 16]],
    blob: &[u8],
) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO brain_vectors (generation, n, hashes, vectors) VALUES (?1, ?2, ?3, ?4)",
        params![genr, hashes.len() as i64, hashes_blob(hashes), blob],
    )?;
    schema::bump_epoch(&tx)?;
    tx.commit()
}

/// Marks `genr` complete when it has every live chunk and this run had no failure, then
/// drops the generations it replaces; removes vectors no chunk uses any more.
fn finish(
    conn: &mut Connection,
    run: i64,
    genr: Option<i64>,
    failed: usize,
) -> rusqlite::Result<()> {
    let live = plan::live_hashes(conn)?;
    let tx = conn.transaction()?;
    if let Some(genr) = genr {
        let have = plan::embedded(&tx, genr)?;
        if failed == 0 && live.iter().all(|h| have.contains(h)) {
            tx.execute(
                "UPDATE brain_generations SET complete = 1 WHERE id = ?1",
                [genr],
            )?;
            tx.execute(
                "DELETE FROM brain_vectors WHERE generation IN (SELECT id FROM brain_generations WHERE id < ?1)",
                [genr],
            )?;
            tx.execute("DELETE FROM brain_generations WHERE id < ?1", [genr])?;
        }
    }
    // Rewrite the batches that hold vectors of deleted text (or a key twice).
    let mut rewrite: Vec<(i64, Vec<usize>)> = Vec::new();
    {
        let mut stmt =
            tx.prepare("SELECT id, generation, hashes FROM brain_vectors ORDER BY id")?;
        let mut rows = stmt.query([])?;
        let mut seen: HashSet<(i64, [u8; 16])> = HashSet::new();
        while let Some(r) = rows.next()? {
            let (id, g): (i64, i64) = (r.get(0)?, r.get(1)?);
            let keep: Vec<usize> = split_hashes(r.get_ref(2)?.as_blob()?)
                .enumerate()
                .filter(|(_, h)| live.contains(h) && seen.insert((g, *h)))
                .map(|(i, _)| i)
                .collect();
            let n = r.get_ref(2)?.as_blob()?.len() / 16;
            if keep.len() != n {
                rewrite.push((id, keep));
            }
        }
    }
    for (id, keep) in rewrite {
        if keep.is_empty() {
            tx.execute("DELETE FROM brain_vectors WHERE id = ?1", [id])?;
            continue;
        }
        let (hashes, blob, dims, format): (Vec<u8>, Vec<u8>, i64, String) = tx.query_row(
            "SELECT v.hashes, v.vectors, g.dims, g.format FROM brain_vectors v JOIN brain_generations g ON g.id = v.generation WHERE v.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let width = match VectorFormat::parse(&format) {
            VectorFormat::F32 => 4,
            VectorFormat::F16 => 2,
        } * dims as usize;
        let mut new_hashes = Vec::with_capacity(keep.len() * 16);
        let mut new_blob = Vec::with_capacity(keep.len() * width);
        for i in &keep {
            new_hashes.extend_from_slice(&hashes[i * 16..(i + 1) * 16]);
            if let Some(v) = blob.get(i * width..(i + 1) * width) {
                new_blob.extend_from_slice(v);
            }
        }
        tx.execute(
            "UPDATE brain_vectors SET n = ?2, hashes = ?3, vectors = ?4 WHERE id = ?1",
            params![id, keep.len() as i64, new_hashes, new_blob],
        )?;
    }
    // Failures of earlier runs were retried by this one (or recorded again).
    tx.execute("DELETE FROM brain_failed WHERE run < ?1", [run])?;
    schema::bump_epoch(&tx)?;
    tx.commit()
}

impl Brain {
    fn publish(&self, f: impl FnOnce(&mut Progress)) {
        self.progress.send_modify(f);
    }

    pub(crate) async fn run(&self, rebuild: bool) -> Result<IndexReport, BrainError> {
        let started = Instant::now();
        self.publish(|p| {
            *p = Progress {
                running: true,
                phase: Phase::Scanning,
                message: "Reading the sources".into(),
                ..Progress::default()
            };
        });
        let result = self.run_inner(rebuild, started).await;
        match &result {
            Ok(report) => {
                let msg = if let Some(stopped) = &report.stopped {
                    format!("Embedding {stopped}")
                } else if report.failed_batches > 0 {
                    format!(
                        "Done with {} failed batch(es); they are retried by the next run",
                        report.failed_batches
                    )
                } else if self.embedder.is_none() {
                    format!(
                        "Done: {} chunks, keyword search only (no embedding model configured)",
                        report.chunks_total
                    )
                } else {
                    format!(
                        "Done: {} chunks, {} embedded in this run",
                        report.chunks_total, report.embedded
                    )
                };
                self.publish(|p| {
                    p.running = false;
                    p.phase = Phase::Done;
                    p.eta_secs = None;
                    p.message = msg;
                });
            }
            Err(e) => {
                tracing::error!(error = %e, "brain index run failed");
                let msg = format!("The index run stopped: {e}");
                self.publish(|p| {
                    p.running = false;
                    p.phase = Phase::Failed;
                    p.eta_secs = None;
                    p.message = msg;
                });
            }
        }
        result
    }

    async fn run_inner(&self, rebuild: bool, started: Instant) -> Result<IndexReport, BrainError> {
        let note_dirs = self.options.note_dirs.clone();
        let model = self.embedder.as_ref().map(|e| e.model().to_string());
        let format = self.format;
        let run: i64 = blocking(&self.db, |c| {
            c.execute("INSERT INTO brain_runs DEFAULT VALUES", [])?;
            Ok(c.last_insert_rowid())
        })
        .await?;

        // Plan: scan, chunk, sync the text index, list what needs vectors.
        let model_for_plan = model.clone();
        let (stats, mut genr, mut todo) = blocking(&self.db, move |c| {
            if rebuild {
                plan::clear(c, model_for_plan.as_deref())?;
            }
            let mut problems = Vec::new();
            let mut docs = sources::resources(c)?;
            let mut keep = Vec::new();
            for (i, dir) in note_dirs.iter().enumerate() {
                match sources::notes(i, dir, &mut problems) {
                    Some(found) => docs.extend(found),
                    None => keep.push(sources::notes_source(i)),
                }
            }
            let stats = plan::sync(c, &docs, &problems, &keep)?;
            drop(docs);
            let Some(model) = model_for_plan else {
                return Ok((stats, None, Vec::new()));
            };
            let genr = plan::generation_for(c, &model)?;
            let todo = plan::todo(c, genr.map(|g| g.id))?;
            Ok((stats, genr, todo))
        })
        .await?;

        let mut report = IndexReport {
            chunks_total: stats.chunks_total,
            chunks_added: stats.chunks_added,
            chunks_removed: stats.chunks_removed,
            ..IndexReport::default()
        };

        let mut stopped: Option<String> = None;
        if let (Some(embedder), Some(model)) = (self.embedder.clone(), model.clone()) {
            let mut total = todo.len();
            self.publish(|p| {
                p.phase = Phase::Embedding;
                p.total = total;
                p.message = format!("Embedding {total} chunks with {model}");
            });
            let embed_started = Instant::now();
            // Dimension is learned from the first answer of the run.
            let mut dims_known = false;
            if todo.is_empty()
                && let Some(g) = genr
            {
                // Nothing to embed, but the model may now answer in another dimension
                // (same name, new `dimensions`): one short probe finds out.
                let probe = ["dimension probe".to_string()];
                match embed_with_retries(embedder.as_ref(), &probe, self.options.request_timeout, 0)
                    .await
                {
                    Ok(v) if v.len() == 1 && !v[0].is_empty() && v[0].len() != g.dims => {
                        let dims = v[0].len();
                        let model_c = model.clone();
                        let (ng, rest) = blocking(&self.db, move |c| {
                            let ng =
                                plan::get_or_create_generation(c, &model_c, dims, format.as_str())?;
                            Ok((ng, plan::todo(c, Some(ng.id))?))
                        })
                        .await?;
                        genr = Some(ng);
                        todo = rest;
                        total = todo.len();
                        dims_known = true;
                    }
                    Ok(_) => dims_known = true,
                    Err(error) => {
                        tracing::warn!(%error, "the embedding model did not answer a probe")
                    }
                }
            }
            let mut queue = batches(
                &todo,
                self.options.batch_max_chars,
                self.options.batch_max_inputs,
            );
            queue.reverse();
            let mut in_a_row = 0;
            while let Some(range) = queue.pop() {
                let items = &todo[range.clone()];
                let inputs: Vec<String> = items.iter().map(|t| t.text.clone()).collect();
                let outcome = embed_with_retries(
                    embedder.as_ref(),
                    &inputs,
                    self.options.request_timeout,
                    self.options.retries,
                )
                .await
                .and_then(|v| {
                    let want = if dims_known {
                        genr.map(|g| g.dims)
                    } else {
                        None
                    };
                    check_vectors(inputs.len(), &v, want).map(|d| (v, d))
                });
                match outcome {
                    Ok((vecs, dims)) => {
                        let hashes: Vec<[u8; 16]> = items.iter().map(|t| t.hash).collect();
                        let switch = !dims_known && genr.is_none_or(|g| g.dims != dims);
                        dims_known = true;
                        let model_c = model.clone();
                        let (g, rest) = blocking(&self.db, move |c| {
                            let g = if switch {
                                plan::get_or_create_generation(c, &model_c, dims, format.as_str())?
                            } else {
                                genr.unwrap_or(Generation {
                                    id: 0,
                                    dims,
                                    format,
                                })
                            };
                            let blob = vectors::encode(&vecs, g.format);
                            commit_batch(c, g.id, &hashes, &blob)?;
                            // A new generation needs every chunk, not only the planned ones.
                            let rest = if switch {
                                Some(plan::todo(c, Some(g.id))?)
                            } else {
                                None
                            };
                            Ok((g, rest))
                        })
                        .await?;
                        genr = Some(g);
                        report.embedded += items.len();
                        in_a_row = 0;
                        if let Some(rest) = rest {
                            todo = rest;
                            queue = batches(
                                &todo,
                                self.options.batch_max_chars,
                                self.options.batch_max_inputs,
                            );
                            queue.reverse();
                            total = report.embedded + todo.len();
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, inputs = items.len(), "embedding batch failed; recorded for the next run");
                        report.failed_batches += 1;
                        in_a_row += 1;
                        if in_a_row >= GIVE_UP_AFTER && !queue.is_empty() {
                            let left: usize = queue.iter().map(|r| r.len()).sum();
                            stopped = Some(format!(
                                "stopped after {in_a_row} failed batches in a row ({error}); {left} chunks wait for the next run, keyword search works meanwhile"
                            ));
                            queue.clear();
                        }
                        let (model_c, n) = (model.clone(), items.len() as i64);
                        blocking(&self.db, move |c| {
                            c.execute(
                                "INSERT INTO brain_failed (run, model, inputs, error) VALUES (?1, ?2, ?3, ?4)",
                                params![run, model_c, n, error],
                            )?;
                            Ok(())
                        })
                        .await?;
                    }
                }
                let done = report.embedded;
                let failed = report.failed_batches;
                let secs = embed_started.elapsed().as_secs_f64().max(1e-6);
                let rate = done as f64 / secs;
                let left = total.saturating_sub(done);
                self.publish(|p| {
                    p.done = done;
                    p.total = total;
                    p.rate = rate;
                    p.eta_secs = (rate > 0.0).then(|| left as f64 / rate);
                    p.failed_batches = failed;
                    p.message = format!("Embedded {done} of {total} chunks");
                });
                if let Some(msg) = &stopped {
                    tracing::warn!("{msg}");
                }
            }
        }

        self.publish(|p| {
            p.phase = Phase::Pruning;
            p.message = "Pruning vectors of removed text".into();
        });
        let failed = report.failed_batches;
        let gen_id = genr.map(|g| g.id);
        let (chunks, embedded) = (report.chunks_total as i64, report.embedded as i64);
        let secs = started.elapsed().as_secs_f64();
        blocking(&self.db, move |c| {
            finish(c, run, gen_id, failed)?;
            c.execute(
                "UPDATE brain_runs SET finished = datetime('now'), outcome = ?2, chunks = ?3, embedded = ?4, failed = ?5, message = ?6 WHERE id = ?1",
                params![run, if failed == 0 { "done" } else { "partial" }, chunks, embedded, failed as i64, format!("{secs:.1} s")],
            )?;
            Ok(())
        })
        .await?;
        report.stopped = stopped;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(n: usize) -> Todo {
        Todo {
            hash: [0; 16],
            text: "x".repeat(n),
        }
    }

    #[test]
    fn batches_respect_both_bounds() {
        let todo: Vec<Todo> = [10, 10, 10, 50, 200, 5, 5].into_iter().map(t).collect();
        assert_eq!(batches(&todo, 60, 2), vec![0..2, 2..4, 4..5, 5..7]);
        assert_eq!(batches(&todo, 1000, 100), vec![0..7]);
        assert!(batches(&[], 10, 10).is_empty());
        assert_eq!(batches(&todo[..1], 0, 0), vec![0..1]);
    }

    #[test]
    fn vectors_are_checked() {
        assert!(check_vectors(2, &[vec![1.0]], None).is_err());
        assert!(check_vectors(2, &[vec![1.0], vec![1.0, 2.0]], None).is_err());
        assert!(check_vectors(1, &[vec![]], None).is_err());
        assert!(check_vectors(1, &[vec![f32::NAN]], None).is_err());
        assert!(check_vectors(1, &[vec![1.0]], Some(2)).is_err());
        assert_eq!(check_vectors(1, &[vec![1.0, 0.0]], Some(2)), Ok(2));
    }
}
