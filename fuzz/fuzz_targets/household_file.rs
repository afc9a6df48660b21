//! The household (and village) file reader behind `jiandang check`: any text in, findings
//! or an error naming the JSON path out, never a panic.

#![no_main]

use jiandang_domain::Timestamp;
use jiandang_domain::judge::Context;
use jiandang_domain::judge::file::check_file;
use jiandang_domain::policy::YearPolicy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let policy = YearPolicy::shangqiu_2018();
    let ctx = Context::new(&policy, Timestamp::from_millis(1_543_000_000_000));
    let _ = check_file(text, &ctx);
});
