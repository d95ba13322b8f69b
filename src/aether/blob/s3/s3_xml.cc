// S3 XML documents over tinyxml2.
#include "aether/blob/s3/s3_xml.h"

#include <tinyxml2.h>

#include <charconv>
#include <ctime>

namespace aether::s3 {
namespace {

using tinyxml2::XMLDocument;
using tinyxml2::XMLElement;

// The document's root element when it is named `root`; null otherwise.
const XMLElement* Root(XMLDocument& doc, std::string_view body, const char* root) {
  if (doc.Parse(body.data(), body.size()) != tinyxml2::XML_SUCCESS) return nullptr;
  const XMLElement* e = doc.RootElement();
  return e != nullptr && std::string_view(e->Name()) == root ? e : nullptr;
}

std::string Text(const XMLElement* parent, const char* name) {
  const XMLElement* e = parent->FirstChildElement(name);
  return e != nullptr && e->GetText() != nullptr ? e->GetText() : "";
}

long long Number(const XMLElement* parent, const char* name) {
  std::string t = Text(parent, name);
  long long v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

Status Malformed(const char* what) {
  return Status(ErrorCode::kUnavailable, std::string("S3 sent a malformed ") + what + " response");
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::optional<S3Error> ParseError(std::string_view body) {
  XMLDocument doc;
  const XMLElement* root = Root(doc, body, "Error");
  if (root == nullptr) return std::nullopt;
  return S3Error{Text(root, "Code"), Text(root, "Message")};
}

Result<std::string> ParseUploadId(std::string_view body) {
  XMLDocument doc;
  const XMLElement* root = Root(doc, body, "InitiateMultipartUploadResult");
  std::string id = root != nullptr ? Text(root, "UploadId") : "";
  if (id.empty()) return Malformed("CreateMultipartUpload");
  return id;
}

Result<PartList> ParseListParts(std::string_view body) {
  XMLDocument doc;
  const XMLElement* root = Root(doc, body, "ListPartsResult");
  if (root == nullptr) return Malformed("ListParts");
  PartList out;
  for (auto* p = root->FirstChildElement("Part"); p != nullptr; p = p->NextSiblingElement("Part")) {
    out.parts.push_back({static_cast<int>(Number(p, "PartNumber")), UnquoteEtag(Text(p, "ETag")),
                         Number(p, "Size")});
  }
  out.truncated = Text(root, "IsTruncated") == "true";
  out.next_marker = static_cast<int>(Number(root, "NextPartNumberMarker"));
  return out;
}

Result<ObjectList> ParseListObjects(std::string_view body) {
  XMLDocument doc;
  const XMLElement* root = Root(doc, body, "ListBucketResult");
  if (root == nullptr) return Malformed("ListObjectsV2");
  ObjectList out;
  for (auto* c = root->FirstChildElement("Contents"); c != nullptr;
       c = c->NextSiblingElement("Contents")) {
    out.objects.push_back(
        {Text(c, "Key"), ParseIsoTime(Text(c, "LastModified")), Number(c, "Size")});
  }
  out.truncated = Text(root, "IsTruncated") == "true";
  out.next_token = Text(root, "NextContinuationToken");
  return out;
}

Result<UploadList> ParseListUploads(std::string_view body) {
  XMLDocument doc;
  const XMLElement* root = Root(doc, body, "ListMultipartUploadsResult");
  if (root == nullptr) return Malformed("ListMultipartUploads");
  UploadList out;
  for (auto* u = root->FirstChildElement("Upload"); u != nullptr;
       u = u->NextSiblingElement("Upload")) {
    out.uploads.push_back(
        {Text(u, "Key"), Text(u, "UploadId"), ParseIsoTime(Text(u, "Initiated"))});
  }
  out.truncated = Text(root, "IsTruncated") == "true";
  out.next_key_marker = Text(root, "NextKeyMarker");
  out.next_upload_id_marker = Text(root, "NextUploadIdMarker");
  return out;
}

std::string CompleteMultipartXml(const std::vector<UploadPart>& parts) {
  std::string xml = "<CompleteMultipartUpload>";
  for (const auto& p : parts) {
    xml += "<Part><PartNumber>" + std::to_string(p.number) + "</PartNumber><ETag>\"" +
           XmlEscape(p.etag) + "\"</ETag></Part>";
  }
  return xml + "</CompleteMultipartUpload>";
}

std::string UnquoteEtag(std::string etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    return etag.substr(1, etag.size() - 2);
  }
  return etag;
}

long long ParseIsoTime(std::string_view text) {
  std::tm tm{};
  std::string s(text.substr(0, 19));
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr || *end != '\0') return -1;
  return static_cast<long long>(timegm(&tm));
}

}  // namespace aether::s3
