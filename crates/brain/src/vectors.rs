//! Vectors on disk (little-endian f32 or f16 in one blob per committed batch) and in memory
//! (one contiguous, L2-normalised f32 matrix of the generation searches use).

use std::collections::HashMap;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

/// How a generation stores its vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum VectorFormat {
    /// Exact: what the model returned.
    #[default]
    F32,
    /// Half the size; cosine ranking changes in the 3rd-4th decimal.
    F16,
}

impl VectorFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            VectorFormat::F32 => "f32",
            VectorFormat::F16 => "f16",
        }
    }

    pub fn parse(s: &str) -> VectorFormat {
        if s == "f16" {
            VectorFormat::F16
        } else {
            VectorFormat::F32
        }
    }

    fn width(self) -> usize {
        match self {
            VectorFormat::F32 => 4,
            VectorFormat::F16 => 2,
        }
    }
}

pub fn encode(vectors: &[Vec<f32>], format: VectorFormat) -> Vec<u8> {
    let dims = vectors.first().map_or(0, Vec::len);
    let mut out = Vec::with_capacity(vectors.len() * dims * format.width());
    for v in vectors {
        for x in v {
            match format {
                VectorFormat::F32 => out.extend_from_slice(&x.to_le_bytes()),
                VectorFormat::F16 => {
                    out.extend_from_slice(&half::f16::from_f32(*x).to_le_bytes());
                }
            }
        }
    }
    out
}

/// Appends the decoded values of `bytes` to `out`.
pub fn decode_into(bytes: &[u8], format: VectorFormat, out: &mut Vec<f32>) {
    match format {
        VectorFormat::F32 => out.extend(
            bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        ),
        VectorFormat::F16 => out.extend(
            bytes
                .chunks_exact(2)
                .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32()),
        ),
    }
}

pub fn hashes_blob(hashes: &[[u8; 16]]) -> Vec<u8> {
    hashes.iter().flatten().copied().collect()
}

pub fn split_hashes(blob: &[u8]) -> impl Iterator<Item = [u8; 16]> + '_ {
    blob.chunks_exact(16).map(|c| {
        let mut h = [0u8; 16];
        h.copy_from_slice(c);
        h
    })
}

/// The vectors of one generation, ready for brute-force cosine search. Rows are
/// L2-normalised then quantised to i8 with a scale per row: a scan reads a quarter of the
/// bytes of f32 (it is memory-bound), and the ranking feeds rank fusion, which only needs
/// the order (cosine error ~1e-2 at most).
pub struct Matrix {
    pub epoch: i64,
    pub genr: i64,
    pub model: String,
    pub dims: usize,
    /// Row-major quantised rows.
    pub data: Vec<i8>,
    /// Per row: the value of 1 in `data`.
    pub scales: Vec<f32>,
    /// The chunk each row belongs to (the first, when chunks share a text).
    pub chunk_ids: Vec<i64>,
    pub built: std::time::Instant,
}

impl Matrix {
    pub fn load(
        conn: &Connection,
        epoch: i64,
        genr: i64,
        model: String,
        dims: usize,
        format: VectorFormat,
    ) -> rusqlite::Result<Matrix> {
        let mut chunk_of: HashMap<[u8; 16], i64> = HashMap::new();
        {
            let mut stmt = conn.prepare("SELECT id, hash FROM brain_chunks ORDER BY id")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                let hash: Vec<u8> = r.get(1)?;
                if let Some(h) = split_hashes(&hash).next() {
                    chunk_of.entry(h).or_insert(id);
                }
            }
        }
        let mut data = Vec::with_capacity(chunk_of.len() * dims);
        let mut scales = Vec::with_capacity(chunk_of.len());
        let mut row: Vec<f32> = Vec::with_capacity(dims);
        let mut chunk_ids = Vec::with_capacity(chunk_of.len());
        let mut stmt =
            conn.prepare("SELECT hashes, vectors FROM brain_vectors WHERE generation = ?1")?;
        let mut rows = stmt.query([genr])?;
        let row_bytes = dims * format.width();
        while let Some(r) = rows.next()? {
            let hashes = r.get_ref(0)?.as_blob()?;
            let vectors = r.get_ref(1)?.as_blob()?;
            for (i, h) in split_hashes(hashes).enumerate() {
                let Some(id) = chunk_of.remove(&h) else {
                    // Pruned text, or a vector already taken.
                    continue;
                };
                let Some(bytes) = vectors.get(i * row_bytes..(i + 1) * row_bytes) else {
                    continue;
                };
                row.clear();
                decode_into(bytes, format, &mut row);
                normalise(&mut row);
                scales.push(quantise_into(&row, &mut data));
                chunk_ids.push(id);
            }
        }
        Ok(Matrix {
            epoch,
            genr,
            model,
            dims,
            data,
            scales,
            chunk_ids,
            built: std::time::Instant::now(),
        })
    }

    pub fn len(&self) -> usize {
        self.chunk_ids.len()
    }

    /// The `n` rows most similar to `query` (already normalised), best first.
    pub fn top(&self, query: &[f32], n: usize) -> Vec<(i64, f32)> {
        if query.len() != self.dims || self.dims == 0 || n == 0 {
            return Vec::new();
        }
        let mut q = Vec::with_capacity(self.dims);
        let q_scale = quantise_into(query, &mut q);
        let mut scored: Vec<(f32, u32)> = self
            .data
            .chunks_exact(self.dims)
            .zip(&self.scales)
            .enumerate()
            .map(|(i, (row, s))| (dot_i8(row, &q) as f32 * s * q_scale, i as u32))
            .collect();
        let n = n.min(scored.len());
        if n == 0 {
            return Vec::new();
        }
        if n < scored.len() {
            scored.select_nth_unstable_by(n - 1, |a, b| b.0.total_cmp(&a.0));
            scored.truncate(n);
        }
        scored.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
        scored
            .into_iter()
            .map(|(s, i)| (self.chunk_ids[i as usize], s))
            .collect()
    }
}

/// Appends `v` as i8 (scaled so its largest magnitude is 127) and returns the scale.
pub fn quantise_into(v: &[f32], out: &mut Vec<i8>) -> f32 {
    let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
    let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
    out.extend(
        v.iter()
            .map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8),
    );
    scale
}

/// Sixteen independent i32 sums so the compiler vectorises the loop.
pub fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    let mut acc = [0i32; 16];
    let (ca, ra) = a.as_chunks::<16>();
    let (cb, rb) = b.as_chunks::<16>();
    for (x, y) in ca.iter().zip(cb) {
        for k in 0..16 {
            acc[k] += i32::from(x[k]) * i32::from(y[k]);
        }
    }
    let tail: i32 = ra
        .iter()
        .zip(rb)
        .map(|(x, y)| i32::from(*x) * i32::from(*y))
        .sum();
    acc.iter().sum::<i32>() + tail
}

pub fn normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 && norm.is_finite() {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// Eight independent sums so the compiler vectorises the loop.
#[cfg(test)]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, ra) = a.as_chunks::<8>();
    let (cb, rb) = b.as_chunks::<8>();
    for (x, y) in ca.iter().zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let tail: f32 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    acc.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_round_trip() {
        let v = vec![vec![0.5f32, -0.25, 1.0], vec![0.0, 2.0, -1.5]];
        let mut out = Vec::new();
        decode_into(&encode(&v, VectorFormat::F32), VectorFormat::F32, &mut out);
        assert_eq!(out, v.concat());
        let mut out = Vec::new();
        decode_into(&encode(&v, VectorFormat::F16), VectorFormat::F16, &mut out);
        assert_eq!(out, v.concat());
    }

    #[test]
    fn quantised_dot_tracks_cosine() {
        let mut a: Vec<f32> = (0..768).map(|i| (i as f32 * 0.37).sin()).collect();
        let mut b: Vec<f32> = (0..768).map(|i| (i as f32 * 0.11).cos()).collect();
        normalise(&mut a);
        normalise(&mut b);
        let (mut qa, mut qb) = (Vec::new(), Vec::new());
        let (sa, sb) = (quantise_into(&a, &mut qa), quantise_into(&b, &mut qb));
        let approx = dot_i8(&qa, &qb) as f32 * sa * sb;
        assert!(
            (approx - dot(&a, &b)).abs() < 1e-2,
            "{approx} vs {}",
            dot(&a, &b)
        );
        let self_sim = dot_i8(&qa, &qa) as f32 * sa * sa;
        assert!((self_sim - 1.0).abs() < 1e-2);
    }

    #[test]
    fn dot_matches_naive() {
        let a: Vec<f32> = (0..771).map(|i| (i as f32).sin()).collect();
        let b: Vec<f32> = (0..771).map(|i| (i as f32).cos()).collect();
        let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - naive).abs() < 1e-3);
    }
}
