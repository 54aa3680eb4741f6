#pragma once

// Writes Pulumi DIY backend directories for tests, in the layout
// pkg/backend/diy uses (see src/diy/backend_files.h).

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "http/gzip.h"

namespace statehouse::testing {

// A deployment (DeploymentV3 object) with `resources` custom resources of
// `project`/`stack` after its root stack resource, tagged with `label`.
inline std::string DiyDeployment(const std::string& project, const std::string& stack,
                                 int resources, const std::string& label) {
  const std::string prefix = "urn:pulumi:" + stack + "::" + project + "::";
  std::string out = "{\"manifest\":{\"time\":\"2025-06-01T10:00:00Z\",\"magic\":\"m\",\"version\":\"v3.150.0\"},"
                    "\"secrets_providers\":{\"type\":\"passphrase\",\"state\":{\"salt\":\"v1:abc\"}},"
                    "\"resources\":[{\"urn\":\"" + prefix + "pulumi:pulumi:Stack::" + project + "-" + stack +
                    "\",\"custom\":false,\"type\":\"pulumi:pulumi:Stack\",\"outputs\":{\"label\":\"" + label + "\"}}";
  for (int i = 0; i < resources; ++i) {
    out += ",{\"urn\":\"" + prefix + "random:index/randomPet:RandomPet::pet" + std::to_string(i) +
           "\",\"custom\":true,\"id\":\"pet-" + std::to_string(i) + "\",\"type\":\"random:index/randomPet:RandomPet\"}";
  }
  return out + "]}";
}

// The stack file text (VersionedCheckpoint) holding `deployment` ("null" for none).
inline std::string DiyStackFile(const std::string& fqn, const std::string& deployment) {
  return "{\n    \"version\": 3,\n    \"checkpoint\": {\n        \"stack\": \"" + fqn +
         "\",\n        \"latest\": " + deployment + "\n    }\n}\n";
}

inline std::string DiyHistoryRecord(const std::string& kind, int64_t start, int64_t end,
                                    const std::string& result, const std::string& message) {
  return "{\"kind\":\"" + kind + "\",\"startTime\":" + std::to_string(start) + ",\"message\":\"" +
         message + "\",\"environment\":{\"exec.kind\":\"cli\",\"git.head\":\"abc123\"},"
         "\"config\":{\"acme:region\":\"eu-west-1\",\"acme:password\":{\"secure\":\"v1:c2VjcmV0\"}},"
         "\"result\":\"" + result + "\",\"endTime\":" + std::to_string(end) +
         ",\"resourceChanges\":{\"create\":1}}";
}

inline void WriteDiyFile(const std::filesystem::path& path, const std::string& text, bool gzip = false) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  if (gzip) {
    out << http::GzipDeflate(text, 6);
  } else {
    out << text;
  }
}

}  // namespace statehouse::testing
