//! The to-do items: the model, what clients may send, and the SQL.

mod changes;
mod filter;
mod list_json;
mod model;
mod repository;
mod timestamp;

pub use changes::{NewTodo, TodoChanges};
pub use filter::ListFilter;
pub use list_json::TodoListJson;
pub use model::{Todo, TodoRef};
pub use repository::TodoRepository;
pub use timestamp::PgTimestamp;
