#pragma once

// The steps that turn downloaded npm packages into cached assets, for fetch() and for the
// tests that check each step on small inputs.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace setfit::assets {

// Builds a static word-embedding model folder (sentence-transformers WordEmbeddings +
// mean Pooling) from a wink-embeddings JSON file, keeping the `vocab_size` most frequent
// words plus a zero padding row.
void build_wink_embeddings_model(const std::filesystem::path& json_file,
                                 const std::filesystem::path& out_dir, std::int64_t vocab_size);

// Builds train.jsonl and test.jsonl ({"text", "label", "label_text"}; 0 ham, 1 spam) from
// the SpamAssassin package's data/ folder: mail_to_text, messages under 3 words and exact
// duplicates dropped, a stratified split with `seed`.
void build_spamassassin_dataset(const std::filesystem::path& data_dir,
                                const std::filesystem::path& out_dir, std::uint64_t seed,
                                double test_fraction = 0.2);

// The text of a raw RFC 822 message for classification: "Subject: <decoded subject> "
// then every non-attachment text/plain part (stray HTML tags removed) and text/html part
// (or HTML-looking plain part) as text without tags, scripts or styles, entities
// decoded; whitespace collapsed; cut to `max_characters` code points.
std::string mail_to_text(std::string_view raw, std::size_t max_characters);

// "sha512-<base64>" of a file, the npm integrity format.
std::string sha512_integrity(const std::filesystem::path& file);

}  // namespace setfit::assets
