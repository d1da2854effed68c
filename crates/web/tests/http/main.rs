#[test]
fn probe() {
    let t = std::time::Instant::now();
    let h = crypto::hash_password("abcdefghi1").unwrap();
    println!("hash {:?}", t.elapsed());
    let t = std::time::Instant::now();
    assert!(crypto::verify_password("abcdefghi1", &h));
    println!("verify {:?}", t.elapsed());
}
