import torch

from mylib.callbacks import on_step_end


def train_until(model, loader, target):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        if loss.item() < target:
            model.eval()
            break


def train_with_callbacks(model, loader):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    for step, (x, y) in enumerate(loader):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        if step % 10 == 0:
            model.eval()
            on_step_end(model)  # code gradlint cannot see may switch it back


def rollout_then_update(policy, env, steps):
    optimizer = torch.optim.Adam(policy.parameters())
    for _ in range(steps):
        policy.eval()
        with torch.no_grad():
            batch = env.collect(policy)
        policy.train()
        optimizer.zero_grad()
        loss = policy(batch).mean()
        loss.backward()
        optimizer.step()
