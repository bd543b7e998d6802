import torch

model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

def test_step_is_skipped_when_frozen():
    loss = model(torch.ones(1, 4)).sum()
    loss.backward()
    # optimizer.step()
    assert model.weight.grad is not None
