import { enrollmentText, parseEnrollment } from "./enrollment";

describe("enrollment code", () => {
  it("carries a server address and a user name there and back", () => {
    const cases = [
      { server: "http://127.0.0.1:8080", username: "dcy01" },
      { server: "https://county.example/jiandang", username: "调查员 01" },
    ];
    for (const c of cases) expect(parseEnrollment(enrollmentText(c))).toEqual(c);
  });

  it("refuses text that is not a code, or lacks a part", () => {
    for (const bad of [
      "",
      "http://127.0.0.1:8080",
      "jiandang:enroll?user=dcy01",
      "jiandang:enroll?server=ftp%3A%2F%2Fx&user=a",
      "jiandang:enroll?server=http%3A%2F%2Fx",
    ]) {
      expect(parseEnrollment(bad)).toBeNull();
    }
  });

  it("takes a pasted code with blanks around it", () => {
    expect(parseEnrollment(`  ${enrollmentText({ server: "http://10.0.0.2:8080", username: "gzd03" })}\n`)).toEqual({
      server: "http://10.0.0.2:8080",
      username: "gzd03",
    });
  });
});
