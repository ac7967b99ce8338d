//! SHA-256 throughput of the loader's hashing on a 64 MiB file, next to `sha256sum` on the
//! same file.

mod common;

use std::fs::File;
use std::io::Write;
use std::process::Command;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use symphony_harness::load::sha256_hex;

const SIZE: usize = 64 * 1024 * 1024;

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("big.bin");
    let mut file = File::create(&path).expect("create");
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut block = vec![0u8; 1024 * 1024];
    for _ in 0..SIZE / block.len() {
        for byte in block.iter_mut() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *byte = state as u8;
        }
        file.write_all(&block).expect("write");
    }
    drop(file);

    let mut group = c.benchmark_group("sha256_64mib");
    group.sample_size(20);
    group.throughput(Throughput::Bytes(SIZE as u64));
    group.bench_function("harness", |b| {
        b.iter(|| sha256_hex(File::open(&path).expect("open")).expect("hash"))
    });
    group.bench_function("sha256sum", |b| {
        b.iter(|| {
            let out = Command::new("sha256sum")
                .arg(&path)
                .output()
                .expect("sha256sum");
            assert!(out.status.success());
            out.stdout.len()
        })
    });
    group.finish();
}

criterion_group!(hashing, benches);
criterion_main!(hashing);
